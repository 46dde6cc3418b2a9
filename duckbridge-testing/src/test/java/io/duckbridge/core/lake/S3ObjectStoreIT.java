package io.duckbridge.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.testing.TestingS3;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class S3ObjectStoreIT {
    static TestingS3 s3;
    static S3Storage storage;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        s3 = TestingS3.start();
        storage = open(s3.secretKey(), s3.endpoint());
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
        s3.createBucket("store");
    }

    static S3Storage open(String secret, URI endpoint) {
        return S3Storage.open(
                S3Settings.compatible(endpoint, "us-east-1")
                        .withPartSize(S3Settings.MIN_PART_SIZE, S3Settings.MIN_PART_SIZE)
                        .withTimeout(Duration.ofSeconds(20)),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(TestingS3.ACCESS_KEY, secret)));
    }

    private Path randomFile(String name, long size) throws IOException {
        Path file = dir.resolve(name);
        Random random = new Random(size);
        byte[] buffer = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buffer.length) {
                random.nextBytes(buffer);
                out.write(buffer, 0, (int) Math.min(buffer.length, left));
            }
        }
        return file;
    }

    @Test
    void putsGetsListsAndDeletesVerifiedObjects() throws IOException {
        ObjectStore store = storage.store("store", "backups/x");
        Path small = randomFile("small.bin", 1000);
        StoredObject stored = store.put("a/small.bin", small);
        assertThat(stored.sha256()).isEqualTo(Digests.sha256(small));
        assertThat(store.uri("a/small.bin")).isEqualTo("s3://store/backups/x/a/small.bin");

        StoredObject back = store.get("a/small.bin", dir.resolve("back.bin"));
        assertThat(Files.readAllBytes(dir.resolve("back.bin"))).isEqualTo(Files.readAllBytes(small));
        assertThat(back.sha256()).isEqualTo(stored.sha256());

        store.write("_pointer.json", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(store.read("_pointer.json"))
                .hasValueSatisfying(b -> assertThat(new String(b)).isEqualTo("{}"));
        assertThat(store.read("missing")).isEmpty();
        assertThat(store.stat("a/small.bin"))
                .hasValueSatisfying(o -> assertThat(o.sizeBytes()).isEqualTo(1000));
        assertThat(store.stat("nothing")).isEmpty();
        assertThat(store.list("").stream().map(StoredObject::key)).containsExactly("_pointer.json", "a/small.bin");

        store.delete(List.of("a/small.bin", "_pointer.json", "never-there"));
        assertThat(store.list("")).isEmpty();
    }

    @Test
    void writesASmallObjectInOneVerifiedRequest() {
        ObjectStore store = storage.store("store", "meta");
        byte[] content = "{\"version\": \"v=1\"}".getBytes(StandardCharsets.UTF_8);
        store.write("_latest.json", content);
        // the server checked the body against Content-MD5 and answered with its MD5: no HEAD was needed
        assertThat(s3.count("putBlob")).isEqualTo(1);
        assertThat(s3.count("blobMetadata")).isZero();
        assertThat(store.read("_latest.json"))
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
        assertThat(store.stat("_latest.json"))
                .hasValueSatisfying(o -> assertThat(o.sha256()).isEqualTo(Digests.sha256(content)));
        assertThat(s3.count("blobMetadata")).as("a HEAD is counted").isEqualTo(1);
    }

    @Test
    void sendsAFileInOneStreamedPutVerifiedByItsEtag() throws IOException {
        ObjectStore store = storage.store("store", "one");
        Path file = randomFile("one.bin", 3L * 1024 * 1024 + 7);
        StoredObject stored = store.put("one.bin", file);
        // the ETag the server answered with is the MD5 of the bytes streamed: no second request, no HEAD
        assertThat(s3.count("putBlob")).isEqualTo(1);
        assertThat(s3.count("blobMetadata")).isZero();
        assertThat(stored.sha256()).isEqualTo(Digests.sha256(file));
        assertThat(store.get("one.bin", dir.resolve("one.back")).sha256()).isEqualTo(Digests.sha256(file));
        assertThat(Files.readAllBytes(dir.resolve("one.back"))).isEqualTo(Files.readAllBytes(file));
    }

    /**
     * A server that answers single PUTs with ETags that are not MD5s (S3 with SSE-KMS): the first file is sent
     * again with Content-MD5 and checked by a HEAD, and every later one is sent that way at once.
     */
    @Test
    void aServerWhoseEtagsAreNotMd5sGetsContentMd5AndAHead() throws IOException {
        try (S3Storage own = open(s3.secretKey(), s3.endpoint())) {
            s3.answerEtagsThatAreNotMd5s(true);
            ObjectStore store = own.store("store", "kms");
            Path first = randomFile("first.bin", 2L * 1024 * 1024);
            Path second = randomFile("second.bin", 2L * 1024 * 1024 + 1);

            store.put("first.bin", first);
            assertThat(s3.count("putBlob"))
                    .as("streamed, then again with Content-MD5")
                    .isEqualTo(2);
            assertThat(s3.count("blobMetadata")).isEqualTo(1);

            store.put("second.bin", second);
            assertThat(s3.count("putBlob")).isEqualTo(3);
            assertThat(s3.count("blobMetadata")).isEqualTo(2);

            s3.answerEtagsThatAreNotMd5s(false);
            assertThat(store.get("first.bin", dir.resolve("first.back")).sha256())
                    .isEqualTo(Digests.sha256(first));
            assertThat(store.get("second.bin", dir.resolve("second.back")).sha256())
                    .isEqualTo(Digests.sha256(second));
        } finally {
            s3.answerEtagsThatAreNotMd5s(false);
        }
    }

    @Test
    void uploadsLargeFilesInParallelParts() throws IOException {
        ObjectStore store = storage.store("store", "big");
        Path big = randomFile("big.bin", 40L * 1024 * 1024 + 123);
        store.putAll(Map.of("big.bin", big));
        // nine parts; a part the SDK sent again (a slow answer on a loaded machine) is counted twice
        assertThat(s3.count("uploadMultipartPart")).isBetween(9L, 12L);
        assertThat(s3.count("completeMultipartUpload")).isEqualTo(1);
        assertThat(s3.maxConcurrentPartUploads()).isGreaterThan(1);
        StoredObject back = store.get("big.bin", dir.resolve("big.back"));
        assertThat(back.sha256()).isEqualTo(Digests.sha256(big));
    }

    @Test
    void abortsAMultipartUploadThatFailsHalfway() throws IOException {
        ObjectStore store = storage.store("store", "broken");
        Path big = randomFile("big.bin", 20L * 1024 * 1024);
        s3.failWritesAfter(2);
        assertThatThrownBy(() -> store.put("big.bin", big))
                .isInstanceOf(DuckbridgeException.class)
                .satisfies(e -> assertThat(((DuckbridgeException) e).errorClass())
                        .as(e.getMessage())
                        .isEqualTo(ErrorClass.SOURCE_UNAVAILABLE));
        s3.healWrites();
        assertThat(store.stat("big.bin")).isEmpty();
        assertThat(s3.count("abortMultipartUpload")).isEqualTo(1);
    }

    @Test
    void classifiesWrongCredentialsMissingBucketAndUnreachableEndpoint() throws IOException {
        Path small = randomFile("small.bin", 10);
        try (S3Storage wrong = open("wrong-secret", s3.endpoint())) {
            assertThatThrownBy(() -> wrong.store("store", "p").put("x", small))
                    .isInstanceOf(DuckbridgeException.class)
                    .extracting(e -> ((DuckbridgeException) e).errorClass())
                    .isEqualTo(ErrorClass.PERMISSION);
        }
        assertThatThrownBy(() -> storage.store("no-such-bucket", "p").put("x", small))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("no-such-bucket")
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.NOT_FOUND);
        assertThatThrownBy(() -> storage.store("no-such-bucket", "p").checkAccess())
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.NOT_FOUND);
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (S3Storage unreachable = open(s3.secretKey(), URI.create("http://127.0.0.1:" + closedPort))) {
            assertThatThrownBy(() -> unreachable.store("store", "p").put("x", small))
                    .isInstanceOf(DuckbridgeException.class)
                    .extracting(e -> ((DuckbridgeException) e).errorClass())
                    .isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
        }
    }
}
