package io.duckbridge.core.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.testing.TestingS3;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** Uploads of files that are still being appended to, against the real S3 protocol server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrowingFileUploadIT {
    static final int PART = (int) S3Settings.MIN_PART_SIZE;

    static TestingS3 s3;
    static S3Storage storage;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        s3 = TestingS3.start();
        storage = S3ObjectStoreIT.open(s3.secretKey(), s3.endpoint());
    }

    @AfterAll
    static void stop() {
        storage.close();
        s3.close();
    }

    @BeforeEach
    void reset() {
        s3.healWrites();
        s3.resetCounts();
        s3.createBucket("grow");
    }

    @Test
    void sendsPartsWhileTheFileGrowsAndStoresExactlyTheFinishedFile() throws Exception {
        S3BucketStore store = (S3BucketStore) storage.store("grow", "x");
        Path file = dir.resolve("data_0.parquet");
        Random random = new Random(7);
        AtomicLong sent = new AtomicLong();
        GrowingFileUpload upload = new GrowingFileUpload(store, "v=1/data_0.parquet", file, sent::addAndGet);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int chunk = 0; chunk < 5; chunk++) {
                byte[] bytes = new byte[PART + 123_457];
                random.nextBytes(bytes);
                out.write(bytes);
                out.flush();
                upload.advance();
            }
            out.write(new byte[] {1, 2, 3}); // a short tail, sent by finish
        }
        // every whole part was handed over before the writer finished
        assertThat(upload.offset()).isEqualTo(5L * PART);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (s3.count("uploadMultipartPart") < 5 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // poll interval
        }
        // S3Proxy counts attempts: a part the SDK sent again (a slow answer on a loaded machine) counts twice
        assertThat(s3.count("uploadMultipartPart")).isBetween(5L, 8L);
        assertThat(s3.count("completeMultipartUpload")).isZero();

        StoredObject stored = upload.finish().orElseThrow();

        assertThat(stored.sizeBytes()).isEqualTo(Files.size(file));
        // the SHA-256 for the manifest comes from the upload's own pass over the bytes
        assertThat(stored.sha256()).isEqualTo(Digests.sha256(file));
        assertThat(s3.count("uploadMultipartPart")).isBetween(6L, 9L);
        assertThat(sent.get()).isEqualTo(Files.size(file));
        // the server's multipart ETag (MD5 of the part MD5s) was there to check against the parts sent
        assertThat(store.head("v=1/data_0.parquet").eTag()).matches("\"?[0-9a-fA-F]{32}-6\"?");
        Path back = dir.resolve("back");
        store.get("v=1/data_0.parquet", back);
        assertThat(Digests.sha256(back)).isEqualTo(Digests.sha256(file));
    }

    private record TwoPartsSent(S3BucketStore store, Path file, byte[] bytes, GrowingFileUpload upload) {}

    /** A file of two parts and ten bytes under {@code prefix}, its two whole parts already sent. */
    private TwoPartsSent twoPartsSent(String prefix, long seed) throws IOException {
        S3BucketStore store = (S3BucketStore) storage.store("grow", prefix);
        Path file = dir.resolve("data_0.parquet");
        byte[] bytes = new byte[2 * PART + 10];
        new Random(seed).nextBytes(bytes);
        Files.write(file, bytes);
        GrowingFileUpload upload = new GrowingFileUpload(store, "v=1/data_0.parquet", file, n -> {});
        upload.advance();
        assertThat(upload.offset()).isEqualTo(2L * PART);
        return new TwoPartsSent(store, file, bytes, upload);
    }

    @Test
    void aFileRewrittenBehindTheSentPartsIsNotStored() throws IOException {
        TwoPartsSent sent = twoPartsSent("y", 3);
        S3BucketStore store = sent.store();
        Path file = sent.file();
        GrowingFileUpload upload = sent.upload();
        try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {42})); // the first byte changes after it was sent
        }

        assertThat(upload.finish()).isEmpty();

        assertThat(store.stat("v=1/data_0.parquet")).isEmpty();
        assertThat(s3.count("completeMultipartUpload")).isZero();
        assertThat(s3.count("abortMultipartUpload")).isEqualTo(1);
    }

    @Test
    void aCancelledUploadIsAbortedFromTheInterruptedThread() throws IOException {
        TwoPartsSent sent = twoPartsSent("c", 3);
        Thread.currentThread().interrupt(); // as a cancelled job's thread is
        try {
            sent.upload().abort();
            assertThat(Thread.currentThread().isInterrupted())
                    .as("the interrupt is kept")
                    .isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(s3.count("abortMultipartUpload")).isEqualTo(1);
        assertThat(sent.store().stat("v=1/data_0.parquet")).isEmpty();
    }

    @Test
    void aByteChangedInTheMiddleOfASentPartIsNoticed() throws IOException {
        TwoPartsSent sent = twoPartsSent("m", 5);
        S3BucketStore store = sent.store();
        Path file = sent.file();
        byte[] bytes = sent.bytes();
        GrowingFileUpload upload = sent.upload();
        try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            // the last byte of the second part flips; size and everything after the sent parts stay as they were
            channel.position(2L * PART - 1);
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (bytes[2 * PART - 1] ^ 1)}));
        }

        assertThat(upload.finish()).isEmpty();

        assertThat(store.stat("v=1/data_0.parquet")).isEmpty();
        assertThat(s3.count("completeMultipartUpload")).isZero();
    }

    @Test
    void aFileCutShorterThanTheSentPartsIsNotStored() throws IOException {
        TwoPartsSent sent = twoPartsSent("t", 9);
        S3BucketStore store = sent.store();
        Path file = sent.file();
        GrowingFileUpload upload = sent.upload();
        try (var channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(PART + 5);
        }

        assertThat(upload.finish()).isEmpty();

        assertThat(store.stat("v=1/data_0.parquet")).isEmpty();
        assertThat(s3.count("completeMultipartUpload")).isZero();
        assertThat(s3.count("abortMultipartUpload")).isEqualTo(1);
    }

    /**
     * Bodies are not signed, also over plain HTTP ({@link UnsignedPayloadSigV4}); a part carries Content-MD5, which
     * is signed. This signs a part as Duckbridge's client does and sends it with one byte changed, as a corruption on
     * the way would: the server refuses it. Changing Content-MD5 to match the changed body breaks the signature.
     */
    @Test
    void theServerRefusesAPartWhoseBodyDoesNotMatchItsSignedContentMd5() throws Exception {
        S3BucketStore store = (S3BucketStore) storage.store("grow", "s");
        String uploadId = store.createMultipart("data_0.parquet", java.util.Map.of());
        try {
            byte[] signed = new byte[1024];
            new Random(11).nextBytes(signed);
            byte[] sent = signed.clone();
            sent[500] ^= 1;
            URI uri = URI.create(s3.endpoint() + "/grow/s/data_0.parquet?partNumber=1&uploadId=" + uploadId);
            SdkHttpFullRequest unsigned = SdkHttpFullRequest.builder()
                    .method(SdkHttpMethod.PUT)
                    .uri(uri)
                    .putHeader("Content-MD5", base64Md5(signed))
                    .build();
            var request = new UnsignedPayloadSigV4()
                    .signer()
                    .sign(r -> r.identity(AwsCredentialsIdentity.create(TestingS3.ACCESS_KEY, s3.secretKey()))
                            .request(unsigned)
                            .payload(ContentStreamProvider.fromByteArray(signed))
                            .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                            .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                            .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false))
                    .request();
            assertThat(request.protocol()).isEqualTo("http");
            assertThat(request.firstMatchingHeader("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");
            assertThat(request.firstMatchingHeader("Authorization").orElseThrow())
                    .contains("content-md5");
            try (HttpClient client = HttpClient.newHttpClient()) {
                HttpResponse<String> refused = client.send(
                        withHeaders(request, uri, sent, Map.of()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
                assertThat(refused.body()).contains("BadDigest");

                // a Content-MD5 made to match the changed body is not the one that was signed
                HttpResponse<String> forged = client.send(
                        withHeaders(request, uri, sent, Map.of("Content-MD5", base64Md5(sent)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);

                // the same request with the body that was signed is accepted: the refusals were the body's
                HttpResponse<String> accepted = client.send(
                        withHeaders(request, uri, signed, Map.of()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
            }
        } finally {
            store.abortMultipart("data_0.parquet", uploadId);
        }
    }

    private static String base64Md5(byte[] bytes) {
        return java.util.Base64.getEncoder().encodeToString(Digests.md5().digest(bytes));
    }

    /** {@code signed}'s headers (but Host, which the HTTP client sets) with {@code replaced} ones, and {@code body}. */
    private static HttpRequest.Builder withHeaders(
            software.amazon.awssdk.http.SdkHttpRequest signed, URI uri, byte[] body, Map<String, String> replaced) {
        HttpRequest.Builder http = HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        signed.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                String value = replaced.get(name);
                if (value != null) {
                    http.header(name, value);
                } else {
                    values.forEach(v -> http.header(name, v));
                }
            }
        });
        return http;
    }
}
