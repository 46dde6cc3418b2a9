package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongConsumer;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} for {@code s3://bucket/prefix}, made by {@link S3Storage#store}. Large files go up
 * as multipart uploads whose parts are sent in parallel on the storage's part pool; a failed multipart
 * upload is aborted so no parts linger. Thread-safe.
 */
final class S3BucketStore implements ObjectStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(S3BucketStore.class);

    static final String SHA256_METADATA = "sha256";

    private final S3Storage storage;
    private final String bucket;
    private final String prefix;

    S3BucketStore(S3Storage storage, String bucket, String prefix) {
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]")) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "\"" + bucket + "\" is not a valid bucket name; use 3-63 lower-case letters, digits, dots"
                            + " and hyphens");
        }
        this.storage = storage;
        this.bucket = bucket;
        String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        this.prefix = p.isEmpty() ? "" : p + "/";
    }

    @Override
    public String uri(String key) {
        return "s3://" + bucket + "/" + prefix + key;
    }

    private String fullKey(String key) {
        return prefix + ObjectStore.checkKey(key);
    }

    @Override
    public StoredObject put(String key, Path file) {
        return put(key, file, Digests.sha256(file));
    }

    /** As {@link #put(String, Path)} with the file's SHA-256 already known (the exporter computed it). */
    StoredObject put(String key, Path file, String sha256) {
        return put(key, file, sha256, bytes -> {});
    }

    /** As {@link #put(String, Path, String)}, telling {@code progress} the bytes of each part stored. */
    private StoredObject put(String key, Path file, String sha256, LongConsumer progress) {
        long size = LocalObjectStore.size(file);
        try {
            if (size > storage.settings().multipartThresholdBytes()) {
                putMultipart(key, file, size, sha256, progress);
            } else if (putStreamed(key, file, size, sha256)) {
                progress.accept(size);
                return new StoredObject(key, size, sha256);
            } else {
                putSingle(key, RequestBody.fromFile(file), md5Base64(file, 0, size), sha256);
                progress.accept(size);
            }
        } catch (RuntimeException e) {
            throw S3Errors.translate("uploading " + file.getFileName() + " to", uri(key), e);
        }
        return verify(key, size, sha256);
    }

    /**
     * Sends {@code file} in one PUT, streamed from disk while its MD5 is computed, and checks the ETag the server
     * answers with against that MD5: for a single PUT, S3 and most compatible servers answer with the hex MD5 of the
     * bytes they stored, so a match proves the object equal to the file without reading the file an extra time or
     * holding it in memory. Any other answer may be a corruption on the way or a server whose ETags are not MD5s
     * (SSE-KMS gives 32 hex digits too), which cannot be told apart: the storage then stops streaming and returns
     * false, and the caller sends the file again with {@code Content-MD5} computed first, which the server checks,
     * and verifies it by a HEAD. Returns false without sending when the storage has stopped streaming.
     */
    private boolean putStreamed(String key, Path file, long size, String sha256) {
        if (!storage.md5Etags()) {
            return false;
        }
        Md5OfStream body = new Md5OfStream(file);
        String etag =
                putSingle(key, RequestBody.fromContentProvider(body, size, "application/octet-stream"), null, sha256);
        byte[] md5 = body.digest(size);
        if (md5 != null && isMd5Etag(etag, md5)) {
            return true;
        }
        if (md5 != null) {
            storage.noMd5Etags(uri(key), etag, Digests.hex(md5));
        }
        // md5 null: the SDK did not read the stream to its end, so the ETag cannot be compared; sent again instead
        return false;
    }

    /** The file's bytes, one stream per attempt, and the MD5 of the last stream read to its end. */
    private static final class Md5OfStream implements ContentStreamProvider {
        private final Path file;
        private volatile CountingDigest last;

        Md5OfStream(Path file) {
            this.file = file;
        }

        @Override
        public InputStream newStream() {
            try {
                CountingDigest stream = new CountingDigest(Files.newInputStream(file));
                last = stream;
                return stream;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read " + file, e);
            }
        }

        /** The MD5 of the last stream's bytes, or null when it did not deliver exactly {@code size} bytes. */
        byte[] digest(long size) {
            CountingDigest stream = last;
            return stream == null || stream.count != size
                    ? null
                    : stream.getMessageDigest().digest();
        }
    }

    /** The JDK's digesting stream, counting the bytes it digested. */
    private static final class CountingDigest extends java.security.DigestInputStream {
        long count;

        CountingDigest(InputStream in) {
            super(in, Digests.md5());
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) {
            throw new UnsupportedOperationException("skipping would leave bytes out of the MD5");
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** One PUT; returns the ETag the server answered with (null when it sent none). */
    private String putSingle(String key, RequestBody body, String md5, String sha256) {
        return storage.call(() -> storage.client()
                .putObject(
                        b -> b.bucket(bucket)
                                .key(fullKey(key))
                                .contentMD5(md5)
                                .metadata(Map.of(SHA256_METADATA, sha256)),
                        body)
                .eTag());
    }

    private void putMultipart(String key, Path file, long size, String sha256, LongConsumer progress) {
        String uploadId = createMultipart(key, Map.of(SHA256_METADATA, sha256));
        long partSize = Math.max(storage.settings().partSizeBytes(), (size + 9_999) / 10_000);
        int count = (int) ((size + partSize - 1) / partSize);
        SettlingTasks<CompletedPart> parts = new SettlingTasks<>(storage.partPool());
        try {
            for (int i = 0; i < count; i++) {
                int number = i + 1;
                long offset = i * partSize;
                long length = Math.min(partSize, size - offset);
                parts.submit(
                        () -> {
                            CompletedPart part = uploadPart(key, uploadId, number, file, offset, length);
                            progress.accept(length);
                            return part;
                        },
                        () -> {});
            }
            completeMultipart(key, uploadId, parts.await());
            parts.completed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(parts, key, uploadId);
            throw new DuckbridgeException(ErrorClass.CANCELLED, "upload of " + uri(key) + " was interrupted", e);
        } catch (ExecutionException e) {
            abort(parts, key, uploadId);
            throw S3Errors.translate("uploading a part of " + file.getFileName() + " to", uri(key), e.getCause());
        } catch (RuntimeException e) {
            abort(parts, key, uploadId);
            throw e;
        }
    }

    private CompletedPart uploadPart(String key, String uploadId, int number, Path file, long offset, long length)
            throws IOException {
        byte[] bytes = readRange(file, offset, length);
        return uploadPart(key, uploadId, number, bytes, contentMd5(bytes));
    }

    /** The MD5 to send with a part as {@code Content-MD5}. */
    static byte[] contentMd5(byte[] bytes) {
        return Digests.md5().digest(bytes);
    }

    /** Reads {@code length} bytes of {@code file} from {@code offset}; fails when the file is shorter. */
    static byte[] readRange(Path file, long offset, long length) throws IOException {
        byte[] bytes = new byte[Math.toIntExact(length)];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long position = offset;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new IOException(file + " ended early at byte " + position);
                }
                position += n;
            }
        }
        return bytes;
    }

    /** Starts a multipart upload of {@code key} carrying {@code metadata}; returns its upload id. */
    String createMultipart(String key, Map<String, String> metadata) {
        return storage.call(() -> storage.client()
                .createMultipartUpload(b -> b.bucket(bucket).key(fullKey(key)).metadata(metadata))
                .uploadId());
    }

    /** Sends one part with {@code md5} as {@code Content-MD5} (the server rejects a body that does not match it). */
    CompletedPart uploadPart(String key, String uploadId, int number, byte[] bytes, byte[] md5) {
        String md5Base64 = Base64.getEncoder().encodeToString(md5);
        String etag = storage.call(() -> storage.client()
                .uploadPart(
                        b -> b.bucket(bucket)
                                .key(fullKey(key))
                                .uploadId(uploadId)
                                .partNumber(number)
                                .contentLength((long) bytes.length)
                                .contentMD5(md5Base64),
                        // the part's array is this request's alone and never changed: no defensive copy of 8+ MiB
                        RequestBody.fromContentProvider(
                                ContentStreamProvider.fromByteArrayUnsafe(bytes),
                                bytes.length,
                                "application/octet-stream"))
                .eTag());
        return CompletedPart.builder().partNumber(number).eTag(etag).build();
    }

    void completeMultipart(String key, String uploadId, List<CompletedPart> parts) {
        storage.run(() -> storage.client()
                .completeMultipartUpload(b ->
                        b.bucket(bucket).key(fullKey(key)).uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
    }

    /**
     * Stops the parts (running ones finish: see {@link SettlingTasks}), then aborts the upload, unless it was
     * completed.
     */
    private void abort(SettlingTasks<CompletedPart> parts, String key, String uploadId) {
        if (parts.stop(SETTLE_LIMIT, false)) {
            abortMultipart(key, uploadId);
        }
    }

    /** How long stopping waits for the requests still running (an abort is sent after them). */
    static final java.time.Duration SETTLE_LIMIT = java.time.Duration.ofSeconds(60);

    /** Aborts an upload, best effort: the server may be gone (the next export or a lifecycle rule cleans up). */
    void abortMultipart(String key, String uploadId) {
        // a cancelled job aborts on its interrupted thread, where the SDK gives up before sending anything
        // (the upload then stayed open until the next export to that target): the abort is sent with the
        // interrupt set aside, and the interrupt restored after it
        boolean interrupted = Thread.interrupted();
        try {
            storage.client()
                    .abortMultipartUpload(
                            b -> b.bucket(bucket).key(fullKey(key)).uploadId(uploadId));
        } catch (RuntimeException ignored) {
            // the server may be gone; a bucket lifecycle rule removes incomplete uploads eventually
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private StoredObject verify(String key, long size, String sha256) {
        HeadObjectResponse head = head(key);
        String storedSha = head.metadata().get(SHA256_METADATA);
        if (head.contentLength() != size || !sha256.equals(storedSha)) {
            throw new DuckbridgeException(
                    ErrorClass.IO,
                    "verification of " + uri(key) + " failed: stored " + head.contentLength() + " bytes sha256 "
                            + storedSha + ", expected " + size + " bytes sha256 " + sha256);
        }
        return new StoredObject(key, size, sha256);
    }

    /** The object's HEAD answer; failures classified. */
    HeadObjectResponse head(String key) {
        try {
            return storage.call(
                    () -> storage.client().headObject(b -> b.bucket(bucket).key(fullKey(key))));
        } catch (RuntimeException e) {
            throw S3Errors.translate("verifying", uri(key), e);
        }
    }

    S3Storage storage() {
        return storage;
    }

    @Override
    public List<StoredObject> putAll(Map<String, Path> files) {
        return putAll(files, Map.of());
    }

    /** As {@link #putAll(Map)}, reusing the SHA-256 of files whose key is in {@code knownSha256}. */
    List<StoredObject> putAll(Map<String, Path> files, Map<String, String> knownSha256) {
        return putAll(files, knownSha256, bytes -> {});
    }

    /**
     * As {@link #putAll(Map, Map)}, telling {@code progress} (from several threads) the bytes of each part or
     * object as it is stored, so an export's progress moves during the upload rather than at its end.
     */
    List<StoredObject> putAll(Map<String, Path> files, Map<String, String> knownSha256, LongConsumer progress) {
        SettlingTasks<StoredObject> puts = new SettlingTasks<>(storage.filePool());
        files.forEach((key, file) -> puts.submit(
                () -> put(
                        key,
                        file,
                        knownSha256.containsKey(key) ? knownSha256.get(key) : Digests.sha256(file),
                        progress),
                () -> {}));
        try {
            return puts.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // each file's upload, interrupted, stops its parts and aborts itself before this returns
            puts.stop(SETTLE_LIMIT.multipliedBy(2), true);
            throw new DuckbridgeException(ErrorClass.CANCELLED, "upload to " + uri("") + " was interrupted", e);
        } catch (ExecutionException e) {
            puts.stop(SETTLE_LIMIT.multipliedBy(2), true);
            throw S3Errors.translate("uploading to", uri(""), e.getCause());
        }
    }

    @Override
    public StoredObject get(String key, Path target) {
        Path temp = target.resolveSibling(".tmp-" + UUID.randomUUID() + "-" + target.getFileName());
        MessageDigest digest = Digests.sha256();
        long size = 0;
        String expectedSha;
        long expectedSize;
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            try (ResponseInputStream<GetObjectResponse> in = storage.call(() ->
                            storage.client().getObject(b -> b.bucket(bucket).key(fullKey(key))));
                    OutputStream out = Files.newOutputStream(temp)) {
                expectedSha = in.response().metadata().get(SHA256_METADATA);
                expectedSize = in.response().contentLength();
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    size += n;
                }
            }
            String sha = Digests.hex(digest.digest());
            if (size != expectedSize || (expectedSha != null && !expectedSha.equals(sha))) {
                throw new DuckbridgeException(
                        ErrorClass.IO,
                        "download of " + uri(key) + " is corrupt: got " + size + " bytes sha256 " + sha + ", expected "
                                + expectedSize + " bytes sha256 " + expectedSha);
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            return new StoredObject(key, size, sha);
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "downloading " + uri(key) + " to " + target + ": " + e, e);
        } catch (RuntimeException e) {
            throw S3Errors.translate("downloading", uri(key), e);
        } finally {
            LocalObjectStore.deleteQuietly(temp);
        }
    }

    @Override
    public Optional<StoredObject> stat(String key) {
        try {
            HeadObjectResponse head = storage.call(
                    () -> storage.client().headObject(b -> b.bucket(bucket).key(fullKey(key))));
            return Optional.of(
                    new StoredObject(key, head.contentLength(), head.metadata().get(SHA256_METADATA)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !bucketMissing()) {
                return Optional.empty();
            }
            throw S3Errors.translate("reading", uri(key), e);
        } catch (RuntimeException e) {
            throw S3Errors.translate("reading", uri(key), e);
        }
    }

    private boolean bucketMissing() {
        try {
            storage.run(() -> storage.client().headBucket(b -> b.bucket(bucket)));
            return false;
        } catch (S3Exception e) {
            return e.statusCode() == 404;
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) {
        try {
            List<StoredObject> objects = storage.call(() -> {
                List<StoredObject> found = new ArrayList<>();
                for (S3Object o : storage.client()
                        .listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix))
                        .contents()) {
                    if (!o.key().endsWith("/")) { // directory markers some servers list
                        found.add(new StoredObject(o.key().substring(prefix.length()), o.size(), null));
                    }
                }
                return found;
            });
            objects.sort(Comparator.comparing(StoredObject::key));
            return objects;
        } catch (RuntimeException e) {
            throw S3Errors.translate("listing", uri(keyPrefix), e);
        }
    }

    @Override
    public void delete(Collection<String> keys) {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (String key : keys) {
            futures.add(CompletableFuture.runAsync(
                    () -> storage.run(() ->
                            storage.client().deleteObject(b -> b.bucket(bucket).key(fullKey(key)))),
                    storage.filePool()));
        }
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(ErrorClass.CANCELLED, "deleting under " + uri("") + " was interrupted", e);
        } catch (ExecutionException e) {
            throw S3Errors.translate("deleting under", uri(""), e.getCause());
        }
    }

    @Override
    public Optional<byte[]> read(String key) {
        try (InputStream in = storage.call(
                () -> storage.client().getObject(b -> b.bucket(bucket).key(fullKey(key))))) {
            return Optional.of(in.readAllBytes());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "reading " + uri(key) + ": " + e, e);
        } catch (RuntimeException e) {
            throw S3Errors.translate("reading", uri(key), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The PUT carries {@code Content-MD5}, so the server refuses a body that differs from {@code content}. When it
     * answers with the ETag S3 gives a single PUT, the hex MD5 of the stored bytes, and that is the MD5 sent, the
     * object is verified without a further request; any other ETag (encrypted with SSE-KMS or SSE-C, servers with
     * other ETags) is verified by a HEAD as in {@link #put}. This saves a round trip on each of the three small
     * objects every export writes last.
     */
    @Override
    public void write(String key, byte[] content) {
        String sha256 = Digests.sha256(content);
        byte[] md5 = Digests.md5().digest(content);
        String etag;
        try {
            etag = putSingle(
                    key, RequestBody.fromBytes(content), Base64.getEncoder().encodeToString(md5), sha256);
        } catch (RuntimeException e) {
            throw S3Errors.translate("writing", uri(key), e);
        }
        if (!isMd5Etag(etag, md5)) {
            verify(key, content.length, sha256);
        }
    }

    /** Whether {@code etag} (quoted or not) is the hex form of {@code md5}. */
    static boolean isMd5Etag(String etag, byte[] md5) {
        return etag != null && unquoted(etag).equalsIgnoreCase(Digests.hex(md5));
    }

    private static String unquoted(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1)
                : etag;
    }

    /**
     * Aborts multipart uploads under {@code keyPrefix} that a killed process left behind (their parts are
     * invisible but stored and billed), except those {@code keep} accepts. Returns how many were aborted;
     * servers that cannot list uploads are skipped (0).
     */
    int abortIncompleteUploads(String keyPrefix, java.util.function.Predicate<String> keep) {
        List<software.amazon.awssdk.services.s3.model.MultipartUpload> uploads;
        try {
            // every page: a bucket may hold more than the 1,000 uploads of one listing
            uploads =
                    storage.call(() -> storage
                            .client()
                            .listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix))
                            .uploads()
                            .stream()
                            .toList());
        } catch (RuntimeException e) {
            // e.g. 501 from servers without ListMultipartUploads: a lifecycle rule has to do it there
            log.debug("cannot list the incomplete uploads under {}: {}", uri(keyPrefix), e.toString());
            return 0;
        }
        int aborted = 0;
        for (var upload : uploads) {
            String key = upload.key().substring(prefix.length());
            if (keep.test(key)) {
                continue;
            }
            try {
                storage.run(() -> storage.client()
                        .abortMultipartUpload(
                                b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId())));
                aborted++;
            } catch (RuntimeException e) {
                // one that cannot be aborted (gone meanwhile, or not ours to abort) must not keep the others
                log.warn(
                        "cannot abort the incomplete upload {} of {}: {}", upload.uploadId(), uri(key), e.getMessage());
            }
        }
        return aborted;
    }

    @Override
    public void checkAccess() {
        storage.checkCredentials();
        try {
            storage.run(() -> storage.client()
                    .listObjectsV2(b -> b.bucket(bucket).prefix(prefix).maxKeys(1)));
        } catch (RuntimeException e) {
            throw S3Errors.translate("listing", uri(""), e);
        }
    }

    @Override
    public String path() {
        return "sdk";
    }

    private static String md5Base64(Path file, long offset, long length) {
        MessageDigest md5 = Digests.md5();
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            byte[] buffer = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    break;
                }
                md5.update(buffer, 0, n);
                left -= n;
            }
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot read " + file + ": " + e, e);
        }
        return Base64.getEncoder().encodeToString(md5.digest());
    }
}
