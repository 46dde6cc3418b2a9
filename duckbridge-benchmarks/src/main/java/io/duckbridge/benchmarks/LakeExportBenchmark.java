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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Exports a generated orders table (the demo shop's columns) to local Parquet and to an S3 server on
 * loopback in one run, and prints rows/s for each and the S3/local time ratio (target ≤ 1.15). S3 is measured
 * three ways: the default settings (after the COPY; the 55 MB file of 5M rows is below the default
 * {@code multipart-threshold} of 100 MiB, so it goes in one streamed PUT), parallel 8 MiB parts after the COPY (a
 * 16 MiB threshold), and parts uploaded while DuckDB still writes ({@code upload-during-copy=true}, 16 MiB
 * threshold). The S3 side uses the server's default object-storage
 * retry and circuit breaker. Each export's CPU seconds are printed split by who spent them ({@link CpuSplit}:
 * the S3 server, the upload threads, the exporting thread, DuckDB and the JVM), which separates the test
 * server's cost from the client's. The export log line gives each phase's time.
 *
 * <p>Method: a warm-up that is not counted (20 rounds of every export of a table of 8/25 of the rows, whose
 * file is still above the parts variants' threshold, then 2 rounds of the full table: until the JIT has
 * compiled the request code of the SDK and the in-process server, as in a server that has been running), then
 * {@code repetitions} rounds of the exports in rotated order (local, default, parts, during; default, parts,
 * during, local; ...), so no variant always follows the same other one. The same export's time varies by
 * ±15 % between repetitions on a quiet machine (DuckDB's own CPU time does), so the result is the median of the
 * repetitions' S3/local ratios, each ratio from exports seconds apart; best-of and median times are printed
 * too. Use a multiple of 4 repetitions so every order occurs equally often.
 *
 * <p>Arguments: {@code [rows] [repetitions] [max-concurrency]} (default 5,000,000, 8 and 8).
 */
public final class LakeExportBenchmark {
    private static final int WARMUP_SMALL_ROUNDS = 20;
    private static final int WARMUP_FULL_ROUNDS = 2;
    /** Below the 55 MB file of 5M rows (and the warm-up's 17.7 MB one): those variants send parts. */
    private static final long PARTS_THRESHOLD = 16L * 1024 * 1024;

    private LakeExportBenchmark() {}

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000L;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int maxConcurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path dataDir = Files.createTempDirectory("duckbridge-lake-bench-");
        try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(
                        dataDir.resolve("analytics.duckdb").toString()));
                TestingS3 s3 = TestingS3.start();
                S3Storage defaults = open(s3, false, S3Settings.defaults().multipartThresholdBytes(), maxConcurrency);
                S3Storage parts = open(s3, false, PARTS_THRESHOLD, maxConcurrency);
                S3Storage during = open(s3, true, PARTS_THRESHOLD, maxConcurrency)) {
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
            // about 17.7 MB of Parquet at 5M rows: above the parts variants' 16 MiB multipart threshold
            long warmupRows = Math.max(1, rows * 8 / 25);
            engine.executeOnLane("CREATE TABLE orders_warmup AS SELECT * FROM orders WHERE id < " + warmupRows);
            engine.checkpoint();
            Lake lake = new Lake(engine, null, LakeSettings.of(dataDir), defaults, null);
            Lake inParts = new Lake(engine, null, LakeSettings.of(dataDir), parts, null);
            Lake overlapping = new Lake(engine, null, LakeSettings.of(dataDir), during, null);
            List<Variant> variants = List.of(
                    new Variant("local", "local Parquet", lake, "file:orders"),
                    new Variant(
                            "default",
                            "S3 (loopback), default settings: after the COPY, one streamed PUT below 100 MiB",
                            lake,
                            "s3://bench/orders"),
                    new Variant(
                            "parts",
                            "S3 (loopback), after the COPY in parallel 8 MiB parts (multipart-threshold 16 MiB)",
                            inParts,
                            "s3://bench/parts"),
                    new Variant(
                            "during",
                            "S3 (loopback), parts uploaded during the COPY (multipart-threshold 16 MiB)",
                            overlapping,
                            "s3://bench/overlapped"));
            CpuSplit cpu = new CpuSplit();
            // Warm-up, not counted. An export makes only ~25 requests, so the SDK's, the HTTP client's and the
            // in-process server's request code (hundreds of methods) reaches the JIT's thresholds only after many
            // exports; until then the compilers spend 0.1-0.35 s of CPU per S3 export on the same two cores. Small
            // exports (above the multipart threshold, so they take the same code paths) get there quickly; two
            // full rounds follow.
            long warmupStarted = System.nanoTime();
            CpuSplit.Sample warmupCpu = cpu.sample();
            for (int round = 0; round < WARMUP_SMALL_ROUNDS + WARMUP_FULL_ROUNDS; round++) {
                String table = round < WARMUP_SMALL_ROUNDS ? "orders_warmup" : "orders";
                for (Variant v : variants) {
                    v.lake().export(request(table, v.target()), JobContext.none());
                }
            }
            CpuSplit.Sample warmedUp = cpu.sample().minus(warmupCpu);
            System.out.printf(
                    Locale.ROOT,
                    "warm-up: %d rounds of the %,d-row table and %d of the full one, %.1f s, JIT compilers %.1f s of CPU%n",
                    WARMUP_SMALL_ROUNDS,
                    warmupRows,
                    WARMUP_FULL_ROUNDS,
                    (System.nanoTime() - warmupStarted) / 1e9,
                    warmedUp.jit() / 1e9);
            long[][] ms = new long[variants.size()][repetitions];
            long[][] cpuNs = new long[variants.size()][repetitions];
            long bytes = 0;
            for (int i = 0; i < repetitions; i++) {
                // rotated order, so that no variant always runs right after the same other one
                for (int k = 0; k < variants.size(); k++) {
                    int v = (i + k) % variants.size();
                    CpuSplit.Sample before = cpu.sample();
                    ExportResult r = variants.get(v)
                            .lake()
                            .export(request("orders", variants.get(v).target()), JobContext.none());
                    CpuSplit.Sample used = cpu.sample().minus(before);
                    ms[v][i] = r.elapsedMs();
                    cpuNs[v][i] = used.total();
                    bytes = r.bytes();
                    System.out.printf(
                            Locale.ROOT,
                            "  %-6s %,6d ms  %s%n",
                            variants.get(v).name(),
                            r.elapsedMs(),
                            used.describe());
                }
                StringBuilder line = new StringBuilder("run " + (i + 1) + ": local " + ms[0][i] + " ms");
                for (int v = 1; v < variants.size(); v++) {
                    line.append(String.format(
                            Locale.ROOT,
                            ", %s %d ms (%.2f)",
                            variants.get(v).name(),
                            ms[v][i],
                            ms[v][i] / (double) ms[0][i]));
                }
                System.out.println(line);
            }
            System.out.printf(
                    Locale.ROOT,
                    "rows: %,d  parquet bytes: %,d  (zstd 3, ordered by ordered_at)  repetitions: %d after the warm-up,"
                            + " order rotated%n",
                    rows,
                    bytes,
                    repetitions);
            long localBest = Arrays.stream(ms[0]).min().orElseThrow();
            System.out.printf(
                    Locale.ROOT,
                    "export to local Parquet: best %,d ms  %,.0f rows/s; median %,.0f ms  %,.0f rows/s; median CPU %.2f s%n",
                    localBest,
                    rows * 1000.0 / localBest,
                    median(ms[0]),
                    rows * 1000.0 / median(ms[0]),
                    median(cpuNs[0]) / 1e9);
            for (int v = 1; v < variants.size(); v++) {
                long best = Arrays.stream(ms[v]).min().orElseThrow();
                double[] ratios = new double[repetitions];
                double[] cpuRatios = new double[repetitions];
                for (int i = 0; i < repetitions; i++) {
                    ratios[i] = ms[v][i] / (double) ms[0][i];
                    cpuRatios[i] = cpuNs[v][i] / (double) cpuNs[0][i];
                }
                System.out.printf(
                        Locale.ROOT,
                        "export to %s: best %,d ms  %,.0f rows/s; median %,.0f ms; median CPU %.2f s%n",
                        variants.get(v).label(),
                        best,
                        rows * 1000.0 / best,
                        median(ms[v]),
                        median(cpuNs[v]) / 1e9);
                System.out.printf(
                        Locale.ROOT,
                        "  s3/local time ratio (target <= 1.15): median of the repetitions' ratios %.2f (range %.2f-%.2f),"
                                + " best/best %.2f, median/median %.2f; CPU ratio median %.2f%n",
                        median(ratios),
                        Arrays.stream(ratios).min().orElseThrow(),
                        Arrays.stream(ratios).max().orElseThrow(),
                        best / (double) localBest,
                        median(ms[v]) / median(ms[0]),
                        median(cpuRatios));
            }
        } finally {
            try (var files = Files.walk(dataDir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    /** S3 on the test server with the server's default duckbridge.resilience.object-storage policy. */
    private static S3Storage open(TestingS3 s3, boolean uploadDuringCopy, long threshold, int maxConcurrency) {
        return S3Storage.open(
                S3Settings.compatible(s3.endpoint(), s3.region())
                        .withPartSize(S3Settings.defaults().partSizeBytes(), threshold)
                        .withMaxConcurrency(maxConcurrency)
                        .withUploadDuringCopy(uploadDuringCopy),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())),
                StoragePolicy.of(
                        "object-storage-" + uploadDuringCopy + "-" + threshold,
                        3,
                        Duration.ofMillis(200),
                        50,
                        10,
                        Duration.ofSeconds(30),
                        CircuitBreakerRegistry.ofDefaults(),
                        RetryRegistry.ofDefaults()));
    }

    private record Variant(String name, String label, Lake lake, String target) {}

    private static double median(long[] values) {
        return median(Arrays.stream(values).asDoubleStream().toArray());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static ExportRequest request(String table, String target) {
        return new ExportRequest(table, null, target, null, List.of("ordered_at"), "zstd", 3, null, null, null);
    }
}
