package io.duckbridge.core.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.testing.TestingS3;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
        assertThat(s3.count("uploadMultipartPart")).isEqualTo(5);
        assertThat(s3.count("completeMultipartUpload")).isZero();

        StoredObject stored = upload.finish(Digests.sha256(file)).orElseThrow();

        assertThat(stored.sizeBytes()).isEqualTo(Files.size(file));
        assertThat(s3.count("uploadMultipartPart")).isEqualTo(6);
        assertThat(sent.get()).isEqualTo(Files.size(file));
        // the server's multipart ETag (MD5 of the part MD5s) was there to check against the parts sent
        assertThat(store.head("v=1/data_0.parquet").eTag()).matches("\"?[0-9a-fA-F]{32}-6\"?");
        Path back = dir.resolve("back");
        store.get("v=1/data_0.parquet", back);
        assertThat(Digests.sha256(back)).isEqualTo(Digests.sha256(file));
    }

    @Test
    void aFileRewrittenBehindTheSentPartsIsNotStored() throws IOException {
        S3BucketStore store = (S3BucketStore) storage.store("grow", "y");
        Path file = dir.resolve("data_0.parquet");
        byte[] bytes = new byte[2 * PART + 10];
        new Random(3).nextBytes(bytes);
        Files.write(file, bytes);
        GrowingFileUpload upload = new GrowingFileUpload(store, "v=1/data_0.parquet", file, n -> {});
        upload.advance();
        assertThat(upload.offset()).isEqualTo(2L * PART);
        try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {42})); // the first byte changes after it was sent
        }

        assertThat(upload.finish(Digests.sha256(file))).isEmpty();

        assertThat(store.stat("v=1/data_0.parquet")).isEmpty();
        assertThat(s3.count("completeMultipartUpload")).isZero();
        assertThat(s3.count("abortMultipartUpload")).isEqualTo(1);
    }
}
