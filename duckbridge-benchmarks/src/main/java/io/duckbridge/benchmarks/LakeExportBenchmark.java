package io.duckbridge.benchmarks;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.lake.ExportRequest;
import io.duckbridge.core.lake.ExportResult;
import io.duckbridge.core.lake.Lake;
import io.duckbridge.core.lake.LakeSettings;
import io.duckbridge.core.lake.S3Settings;
import io.duckbridge.core.lake.S3Storage;
import io.duckbridge.core.lake.StoragePolicy;
import io.duckbridge.testing.TestingS3;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Exports a generated orders table (the demo shop's columns) to local Parquet and to an S3 server on
 * loopback in one run, and prints rows/s for each and the S3/local time ratio (target ≤ 1.15). S3 is measured
 * twice: uploading parts while DuckDB still writes (the default, {@code upload-during-copy}) and uploading
 * after the COPY. The S3 side uses the server's default object-storage retry and circuit breaker. Each export's
 * CPU seconds are printed split by who spent them ({@link CpuSplit}: the S3 server, the upload threads, the
 * exporting thread, DuckDB and the JVM), which separates the test server's cost from the client's and, unlike
 * wall time, does not depend on other load on the machine. The export log line gives each phase's time.
 *
 * <p>Arguments: {@code [rows] [repetitions] [max-concurrency]} (default 5,000,000, 3 and 8; the best of the
 * repetitions counts).
 */
public final class LakeExportBenchmark {
    private LakeExportBenchmark() {}

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000L;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int maxConcurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path dataDir = Files.createTempDirectory("duckbridge-lake-bench-");
        try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(
                        dataDir.resolve("analytics.duckdb").toString()));
                TestingS3 s3 = TestingS3.start();
                S3Storage after = open(s3, false, maxConcurrency);
                S3Storage during = open(s3, true, maxConcurrency)) {
            s3.createBucket("bench");
            engine.executeOnLane("CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled')");
            engine.executeOnLane("CREATE TABLE orders AS SELECT i AS id, (i * 7919) % 200000 AS customer_id,"
                    + " (['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4]::order_status AS status,"
                    + " ((i * 37) % 100000 / 100.0)::DECIMAL(12,2) AS total,"
                    + " (['EUR', 'USD', 'GBP'])[1 + i % 3] AS currency, (1 + i % 9)::SMALLINT AS item_count,"
                    + " CASE WHEN i % 5 = 0 THEN (i % 30) / 100.0 END AS discount,"
                    + " TIMESTAMPTZ '2023-01-01 00:00:00+00' + to_seconds(i * 6) AS ordered_at,"
                    + " CASE WHEN i % 4 = 2 THEN DATE '2023-01-02' + (i / 14400)::INTEGER END AS shipped_on,"
                    + " CASE WHEN i % 10 = 0 THEN 'note for order ' || i END AS note,"
                    + " TIMESTAMPTZ '2023-01-01 00:00:00+00' + to_seconds(i * 6 + 3600) AS updated_at"
                    + " FROM range(" + rows + ") t(i)");
            engine.checkpoint();
            Lake lake = new Lake(engine, null, LakeSettings.of(dataDir), after, null);
            Lake overlapping = new Lake(engine, null, LakeSettings.of(dataDir), during, null);
            long local = Long.MAX_VALUE;
            long remote = Long.MAX_VALUE;
            long overlapped = Long.MAX_VALUE;
            long bytes = 0;
            CpuSplit cpu = new CpuSplit();
            for (int i = 0; i < repetitions; i++) {
                CpuSplit.Sample c0 = cpu.sample();
                ExportResult l = lake.export(request("file:orders"), JobContext.none());
                CpuSplit.Sample c1 = cpu.sample();
                ExportResult r = lake.export(request("s3://bench/orders"), JobContext.none());
                CpuSplit.Sample c2 = cpu.sample();
                ExportResult o = overlapping.export(request("s3://bench/overlapped"), JobContext.none());
                CpuSplit.Sample c3 = cpu.sample();
                local = Math.min(local, l.elapsedMs());
                remote = Math.min(remote, r.elapsedMs());
                overlapped = Math.min(overlapped, o.elapsedMs());
                bytes = l.bytes();
                System.out.printf(
                        Locale.ROOT,
                        "run %d: local %d ms, s3 %d ms, s3 uploading during the COPY %d ms (%d bytes)%n",
                        i + 1,
                        l.elapsedMs(),
                        r.elapsedMs(),
                        o.elapsedMs(),
                        bytes);
                System.out.printf(Locale.ROOT, "  local:  %s%n", c1.minus(c0).describe());
                System.out.printf(Locale.ROOT, "  after:  %s%n", c2.minus(c1).describe());
                System.out.printf(Locale.ROOT, "  during: %s%n", c3.minus(c2).describe());
            }
            System.out.printf(
                    Locale.ROOT, "rows: %,d  parquet bytes: %,d  (zstd 3, ordered by ordered_at)%n", rows, bytes);
            System.out.printf(
                    Locale.ROOT, "export to local Parquet: %,d ms  %,.0f rows/s%n", local, rows * 1000.0 / local);
            System.out.printf(
                    Locale.ROOT,
                    "export to S3 (loopback), uploading after the COPY: %,d ms  %,.0f rows/s%n",
                    remote,
                    rows * 1000.0 / remote);
            System.out.printf(
                    Locale.ROOT,
                    "export to S3 (loopback), uploading during the COPY (default): %,d ms  %,.0f rows/s%n",
                    overlapped,
                    rows * 1000.0 / overlapped);
            System.out.printf(
                    Locale.ROOT,
                    "s3/local time ratio: %.2f uploading during the COPY (target <= 1.15), %.2f after it%n",
                    overlapped / (double) local,
                    remote / (double) local);
        } finally {
            try (var files = Files.walk(dataDir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    /** S3 on the test server with the server's default duckbridge.resilience.object-storage policy. */
    private static S3Storage open(TestingS3 s3, boolean uploadDuringCopy, int maxConcurrency) {
        return S3Storage.open(
                S3Settings.compatible(s3.endpoint(), s3.region())
                        .withMaxConcurrency(maxConcurrency)
                        .withUploadDuringCopy(uploadDuringCopy),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())),
                StoragePolicy.of(
                        "object-storage-" + uploadDuringCopy,
                        3,
                        Duration.ofMillis(200),
                        50,
                        10,
                        Duration.ofSeconds(30),
                        CircuitBreakerRegistry.ofDefaults(),
                        RetryRegistry.ofDefaults()));
    }

    private static ExportRequest request(String target) {
        return new ExportRequest("orders", null, target, null, List.of("ordered_at"), "zstd", 3, null, null, null);
    }
}
