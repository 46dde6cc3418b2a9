package io.duckbridge.benchmarks;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.sync.snapshot.TableOptimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The effect of a table layout ({@link TableLayout}: sort columns and ART indexes) on queries, measured in one
 * run on the same table: an orders-like table of N rows (default 5,000,000) in a DuckDB file whose rows are
 * stored in scattered order (as incremental or CDC changes leave them); then the same table after
 * {@link TableOptimizer} re-sorted it by {@code created_at, id} and indexed {@code id}.
 *
 * <ul>
 *   <li>range: {@code count(*), sum(amount)} over one day of {@code created_at} (about 0.3 % of the rows);
 *   <li>point: one row by {@code id}.
 * </ul>
 *
 * Each query runs {@code repeats} times with a different bound value; the median counts. Run: {@code java
 * --enable-native-access=ALL-UNNAMED -cp "duckbridge-benchmarks/target/classes:$(cat
 * duckbridge-benchmarks/target/classpath.txt)" io.duckbridge.benchmarks.LayoutBenchmark [rows [repeats]]}.
 */
public final class LayoutBenchmark {
    private LayoutBenchmark() {}

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000L;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Path dir = Files.createTempDirectory("duckbridge-layout");
        Path file = dir.resolve("layout.duckdb");
        try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            long t0 = System.nanoTime();
            engine.executeOnLane("CREATE TABLE orders AS SELECT id, (id * 7919 % 100000)::INTEGER AS customer_id,"
                    + " ((id % 100000) * 37)::DECIMAL(12,2) / 100 AS amount, TIMESTAMP '2023-01-01' +"
                    + " to_seconds(id * 5) AS created_at FROM range(1, " + (rows + 1) + ") t(id) ORDER BY hash(id)");
            engine.checkpoint();
            System.out.printf(
                    Locale.ROOT, "created %,d scattered rows in %.1f s%n", rows, (System.nanoTime() - t0) / 1e9);

            double[] before = measure(engine, rows, repeats);
            t0 = System.nanoTime();
            Map<String, Object> optimized = new TableOptimizer(engine)
                    .optimize(
                            new TableName("main", "orders"),
                            new TableLayout(List.of("created_at", "id"), List.of("id")));
            engine.checkpoint();
            System.out.printf(
                    Locale.ROOT,
                    "optimize (sort by created_at, id; ART index on id): %.1f s (%s)%n",
                    (System.nanoTime() - t0) / 1e9,
                    optimized);
            double[] after = measure(engine, rows, repeats);

            System.out.println();
            System.out.printf(
                    Locale.ROOT, "%-36s %12s %12s %8s%n", "median of " + repeats, "scattered", "optimized", "speedup");
            System.out.printf(
                    Locale.ROOT,
                    "%-36s %9.2f ms %9.2f ms %7.1fx%n",
                    "one-day range on created_at",
                    before[0],
                    after[0],
                    before[0] / after[0]);
            System.out.printf(
                    Locale.ROOT,
                    "%-36s %9.2f ms %9.2f ms %7.1fx%n",
                    "point lookup by id",
                    before[1],
                    after[1],
                    before[1] / after[1]);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Median milliseconds of the range query and of the point lookup. */
    private static double[] measure(DuckDbEngine engine, long rows, int repeats) {
        return engine.read(session -> {
            double[] range = new double[repeats];
            double[] point = new double[repeats];
            long days = Math.max(1, rows * 5 / 86_400);
            try (PreparedStatement r = session.prepare(
                            "SELECT count(*), sum(amount) FROM orders WHERE created_at >="
                                    + " TIMESTAMP '2023-01-01' + to_days(?) AND created_at < TIMESTAMP '2023-01-01' + to_days(?)");
                    PreparedStatement p = session.prepare("SELECT * FROM orders WHERE id = ?")) {
                for (int i = 0; i < repeats; i++) {
                    int day = (int) ((i * 7919L) % days);
                    r.setInt(1, day);
                    r.setInt(2, day + 1);
                    long t0 = System.nanoTime();
                    try (ResultSet rs = r.executeQuery()) {
                        rs.next();
                    }
                    range[i] = (System.nanoTime() - t0) / 1e6;
                    p.setLong(1, 1 + (i * 104_729L) % rows);
                    t0 = System.nanoTime();
                    try (ResultSet rs = p.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("row not found");
                        }
                    }
                    point[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            return new double[] {median(range), median(point)};
        });
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
