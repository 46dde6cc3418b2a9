package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A multipart upload of a file that another writer is still appending to: DuckDB's {@code COPY} writing Parquet
 * into staging. Each time the file has grown by a whole part, {@link #advance()} reads that part, adds it to a
 * running SHA-256 and CRC32C and hands it to the storage's part pool, so the upload proceeds while the writer
 * writes the rest. Once the writer is done, {@link #finish()} sends the remainder, waits for every part, completes
 * the upload and verifies it; the running SHA-256, now over the whole file, is the file's SHA-256 for the manifest,
 * so the file is hashed with SHA-256 once, in the pass that uploads it.
 *
 * <p>Appending is checked, not assumed: before sending the remainder, {@code finish} reads the part of the file
 * already sent again and compares its CRC32C with that of the bytes sent (CRC32C runs at several GB/s, a fraction
 * of a SHA-256 pass). When the writer changed or truncated bytes it had already written, {@code finish} aborts the
 * upload and answers empty, and the caller uploads the file whole. Parts read ahead of the pool are bounded by the
 * storage's part-buffer permits; when none is free, {@code advance} leaves the part for a later call.
 *
 * <p>The object carries no SHA-256 metadata (the hash is unknown when the upload starts). Every part is checked by
 * the server: on plain-HTTP endpoints against the SHA-256 that SigV4 signs ({@code x-amz-content-sha256}, computed
 * by the SDK), elsewhere against {@code Content-MD5}. After completion a HEAD checks the size and, where parts
 * carried {@code Content-MD5} and the server answers with the usual multipart ETag (the MD5 of the parts' MD5s, a
 * dash and the part count), that ETag. The export's manifest records the SHA-256.
 *
 * <p>Confined to one thread (the exporter's); only the part requests run on the part pool. Until {@code finish}
 * succeeds, {@link #abort()} must be called on every path that gives up.
 */
final class GrowingFileUpload {
    private static final int MAX_PARTS = 10_000;
    private static final long MAX_PART_BYTES = Integer.MAX_VALUE - 64;
    private static final Pattern MULTIPART_ETAG = Pattern.compile("\"?([0-9a-fA-F]{32})-(\\d+)\"?");

    private final S3BucketStore store;
    private final String key;
    private final Path file;
    private final long partSize;
    private final Semaphore buffers;
    private final LongConsumer sent;
    private final MessageDigest sha256 = Digests.sha256();
    private final CRC32C sentCrc = new CRC32C();
    private final MessageDigest partDigests = Digests.md5();
    private final SettlingTasks<CompletedPart> parts;
    private final String uploadId;
    private long offset;
    /** Bytes of the parts the server accepted while the upload was open (part-pool threads add to it). */
    private final java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();
    /** What {@link #finish()} took back when it found the file changed: the bytes {@code sent} was told of. */
    private long withdrawn;

    /**
     * Starts the multipart upload of {@code key}.
     *
     * @param sent told the byte count of every part the server accepted (from part-pool threads)
     * @throws DuckbridgeException classified like every store failure
     */
    GrowingFileUpload(S3BucketStore store, String key, Path file, LongConsumer sent) {
        this.store = store;
        this.key = key;
        this.file = file;
        this.partSize = store.storage().settings().partSizeBytes();
        this.buffers = store.storage().partBuffers();
        this.sent = sent;
        this.parts = new SettlingTasks<>(store.storage().partPool());
        try {
            this.uploadId = store.createMultipart(key, Map.of());
        } catch (RuntimeException e) {
            throw S3Errors.translate("starting the upload of " + file.getFileName() + " to", store.uri(key), e);
        }
    }

    String key() {
        return key;
    }

    /**
     * The bytes of accepted parts that no longer count because {@link #finish()} found the file changed and
     * aborted ({@code sent} had been told of them); 0 otherwise.
     */
    long withdrawn() {
        return withdrawn;
    }

    /** Bytes handed to the part pool so far. */
    long offset() {
        return offset;
    }

    /**
     * Sends every whole part the file has grown by since the last call, as far as part buffers are free; does not
     * wait for the parts. Throws the failure of a part that already failed, so the caller can stop the writer.
     */
    void advance() {
        throwFirstFailure();
        long size = LocalObjectStore.size(file);
        while (size - offset >= partSize && parts.size() < MAX_PARTS - 1 && buffers.tryAcquire()) {
            send(partSize);
        }
    }

    /**
     * Sends the rest of the finished file, completes the upload and verifies it.
     *
     * @return the stored object with the finished file's SHA-256, or empty when the file's bytes differ from those
     *     sent (the writer did not only append); the upload is then aborted
     * @throws DuckbridgeException classified store failures; CANCELLED when interrupted. The upload is aborted.
     */
    Optional<StoredObject> finish() {
        try {
            long size = LocalObjectStore.size(file);
            if (size < offset || !sentPrefixUnchanged()) {
                withdrawn = abort();
                return Optional.empty();
            }
            while (offset < size) {
                long left = size - offset;
                int slots = MAX_PARTS - parts.size();
                long length = slots <= 1 ? left : Math.min(left, Math.max(partSize, (left + slots - 1) / slots));
                if (length > MAX_PART_BYTES) {
                    throw new DuckbridgeException(
                            ErrorClass.IO,
                            file.getFileName() + " is too large to finish in parts of " + partSize
                                    + " bytes; raise duckbridge.lake.s3.part-size");
                }
                buffers.acquire();
                send(length);
            }
            List<CompletedPart> completed = parts.await();
            String fileSha256 = Digests.hex(sha256.digest());
            store.completeMultipart(key, uploadId, completed);
            parts.completed();
            verify(size, completed.size());
            return Optional.of(new StoredObject(key, size, fileSha256));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new DuckbridgeException(ErrorClass.CANCELLED, "upload of " + store.uri(key) + " was interrupted", e);
        } catch (ExecutionException e) {
            abort();
            throw S3Errors.translate("uploading a part of " + file.getFileName() + " to", store.uri(key), e.getCause());
        } catch (IOException e) {
            abort();
            throw new DuckbridgeException(ErrorClass.IO, "cannot read the staged file " + file + ": " + e, e);
        } catch (RuntimeException e) {
            abort();
            throw S3Errors.translate("uploading " + file.getFileName() + " to", store.uri(key), e);
        }
    }

    /**
     * Stops sending parts and aborts the upload (best effort): waits for the part requests already running (a part
     * the server stores after the abort would stay stored, invisible, for good), then aborts. Idempotent, and a
     * no-op after a completion.
     *
     * @return the bytes of the parts the server had accepted (and {@code sent} was told of), which no longer count
     */
    long abort() {
        if (!parts.stop(S3BucketStore.SETTLE_LIMIT, false)) {
            return 0;
        }
        store.abortMultipart(key, uploadId);
        return accepted.get();
    }

    private void send(long length) {
        byte[] bytes;
        try {
            bytes = S3BucketStore.readRange(file, offset, length);
        } catch (IOException e) {
            buffers.release();
            throw new DuckbridgeException(ErrorClass.IO, "cannot read the staged file " + file + ": " + e, e);
        }
        sha256.update(bytes);
        sentCrc.update(bytes);
        byte[] md5 = S3BucketStore.contentMd5(bytes);
        partDigests.update(md5);
        int number = parts.size() + 1;
        try {
            parts.submit(
                    () -> {
                        try {
                            CompletedPart part = store.uploadPart(key, uploadId, number, bytes, md5);
                            parts.ifOpen(() -> {
                                accepted.addAndGet(bytes.length);
                                sent.accept(bytes.length);
                            });
                            return part;
                        } finally {
                            buffers.release();
                        }
                    },
                    buffers::release);
        } catch (RejectedExecutionException e) {
            buffers.release();
            throw new DuckbridgeException(ErrorClass.SOURCE_UNAVAILABLE, "the S3 storage connection is closed", e);
        }
        offset += length;
    }

    /** Whether the file's first {@link #offset} bytes still have the CRC32C of the bytes sent. */
    private boolean sentPrefixUnchanged() throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long position = 0;
            while (position < offset) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), offset - position));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    return false;
                }
                buffer.flip();
                crc.update(buffer);
                position += n;
            }
        }
        return crc.getValue() == sentCrc.getValue();
    }

    private void throwFirstFailure() {
        Throwable failure = parts.firstFailure();
        if (failure != null) {
            throw S3Errors.translate("uploading a part of " + file.getFileName() + " to", store.uri(key), failure);
        }
    }

    private void verify(long size, int partCount) {
        HeadObjectResponse head = store.head(key);
        String expectedEtag = Digests.hex(partDigests.digest()) + "-" + partCount;
        Matcher etag = head.eTag() == null ? null : MULTIPART_ETAG.matcher(head.eTag());
        boolean etagMismatch = etag != null
                && etag.matches()
                && !(etag.group(1).toLowerCase(java.util.Locale.ROOT) + "-" + etag.group(2)).equals(expectedEtag);
        if (head.contentLength() != size || etagMismatch) {
            throw new DuckbridgeException(
                    ErrorClass.IO,
                    "verification of " + store.uri(key) + " failed: stored " + head.contentLength() + " bytes, ETag "
                            + head.eTag() + "; expected " + size + " bytes, ETag " + expectedEtag);
        }
    }
}
