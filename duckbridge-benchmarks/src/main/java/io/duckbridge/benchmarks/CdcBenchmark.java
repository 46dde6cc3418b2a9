package io.duckbridge.benchmarks;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.cdc.CdcSettings;
import io.duckbridge.core.sync.cdc.CdcState;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * CDC benchmark: sustained changes/s with commit-to-visible latency under a steady load, then the
 * catch-up rate for a backlog of changes written while CDC was stopped. Run with
 * {@code java -cp ... io.duckbridge.benchmarks.CdcBenchmark [seconds] [backlogChanges] [maxBatchChanges]}.
 *
 * <p>Latency is measured per transaction from the moment PostgreSQL acknowledged its commit to the
 * moment a DuckDB reader polling every millisecond sees its last row.
 */
public final class CdcBenchmark {
    private CdcBenchmark() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int backlog = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int maxBatchChanges = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        int rowsPerTransaction = 200;
        Path dir = Files.createTempDirectory("duckbridge-cdc-bench");
        try (TestingPostgres postgres = TestingPostgres.start();
                DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dir.resolve("bench.duckdb").toString()))) {
            PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
            postgres.execute("CREATE TABLE bench (id bigint PRIMARY KEY, account int, amount numeric(12,2),"
                    + " note text, created timestamptz DEFAULT now())");
            CdcSettings settings = CdcSettings.defaults()
                    .withSlotName("bench")
                    .withPublicationName("bench")
                    .withTables(List.of("public.bench"))
                    .withHeartbeatInterval(Duration.ofSeconds(1));
            if (maxBatchChanges > 0) {
                settings = settings.withMaxBatchChanges(maxBatchChanges);
            }

            // ---- steady load --------------------------------------------------------------------
            ChangeCapture cdc = new ChangeCapture(engine, source, settings);
            cdc.start();
            await(() -> cdc.status().state() == CdcState.STREAMING, 60);
            record Commit(long lastId, long committedAtNanos) {}
            ConcurrentLinkedQueue<Commit> commits = new ConcurrentLinkedQueue<>();
            List<Double> latenciesMs = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean loading = new AtomicBoolean(true);
            long[] written = new long[1];
            Thread writer = new Thread(() -> {
                try (Connection c = postgres.connect();
                        Statement st = c.createStatement()) {
                    // the test server runs with synchronous_commit=off, where a commit reaches the WAL (and
                    // so the walsender) only at the WAL writer's next round, up to wal_writer_delay (200 ms)
                    // later; a production server commits synchronously, so the writer does too
                    st.execute("SET synchronous_commit = on");
                    c.setAutoCommit(false);
                    long id = 0;
                    while (loading.get()) {
                        long from = id + 1;
                        id += rowsPerTransaction;
                        // half new rows, half updates of recent rows: inserts and updates both count as changes
                        st.execute("INSERT INTO bench (id, account, amount, note) SELECT g, g % 1000, g * 0.01,"
                                + " 'note ' || g FROM generate_series(" + from + ", " + id + ") g");
                        if (from > rowsPerTransaction) {
                            st.execute("UPDATE bench SET amount = amount + 1 WHERE id BETWEEN "
                                    + (from - rowsPerTransaction) + " AND " + (from - 1));
                        }
                        c.commit();
                        commits.add(new Commit(id, System.nanoTime()));
                        written[0] += from > rowsPerTransaction ? 2L * rowsPerTransaction : rowsPerTransaction;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread prober = new Thread(() -> {
                long seen = 0;
                while (loading.get() || !commits.isEmpty()) {
                    // only row groups above the last id seen are scanned (zone maps), so polling every
                    // millisecond costs little CPU and does not slow what it measures
                    long since = seen;
                    long visible = engine.read(session -> {
                        try (PreparedStatement ps =
                                session.prepare("SELECT coalesce(max(id), ?) FROM public.bench WHERE id > ?")) {
                            ps.setLong(1, since);
                            ps.setLong(2, since);
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                return rs.getLong(1);
                            }
                        }
                    });
                    seen = visible;
                    long now = System.nanoTime();
                    for (Commit head = commits.peek();
                            head != null && head.lastId() <= visible;
                            head = commits.peek()) {
                        commits.poll();
                        latenciesMs.add((now - head.committedAtNanos()) / 1e6);
                    }
                    try {
                        TimeUnit.MILLISECONDS.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long appliedBefore = cdc.status().appliedChanges();
            long start = System.nanoTime();
            writer.start();
            prober.start();
            TimeUnit.SECONDS.sleep(seconds);
            loading.set(false);
            writer.join();
            prober.join(TimeUnit.SECONDS.toMillis(120));
            double elapsed = (System.nanoTime() - start) / 1e9;
            long applied = cdc.status().appliedChanges() - appliedBefore;
            double steadyRate = applied / elapsed;
            List<Double> sorted = new ArrayList<>(latenciesMs);
            Collections.sort(sorted);
            System.out.printf(
                    Locale.ROOT,
                    "steady: %d changes written, %d applied in %.1f s = %.0f changes/s;"
                            + " commit-to-visible latency p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d transactions)%n",
                    written[0],
                    applied,
                    elapsed,
                    steadyRate,
                    percentile(sorted, 0.50),
                    percentile(sorted, 0.99),
                    sorted.isEmpty() ? 0 : sorted.getLast(),
                    sorted.size());

            // ---- catch-up -----------------------------------------------------------------------
            cdc.stop();
            long maxId;
            try (Connection c = postgres.connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT max(id) FROM bench")) {
                rs.next();
                maxId = rs.getLong(1);
            }
            int chunk = 50_000;
            for (long from = maxId + 1; from <= maxId + backlog; from += chunk) {
                postgres.execute("INSERT INTO bench (id, account, amount, note) SELECT g, g % 1000, g * 0.01, 'b' || g"
                        + " FROM generate_series(" + from + ", " + Math.min(maxId + backlog, from + chunk - 1) + ") g");
            }
            long before = cdc.status().appliedChanges();
            long catchUpStart = System.nanoTime();
            cdc.start();
            await(() -> cdc.status().appliedChanges() - before >= backlog, 600);
            double catchUpSeconds = (System.nanoTime() - catchUpStart) / 1e9;
            double catchUpRate = backlog / catchUpSeconds;
            System.out.printf(
                    Locale.ROOT,
                    "catch-up: %d changes in %.1f s = %.0f changes/s (%.1fx the steady rate)%n",
                    backlog,
                    catchUpSeconds,
                    catchUpRate,
                    catchUpRate / steadyRate);
            cdc.disable();
            cdc.close();
        }
    }

    private static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static void await(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + seconds + " s");
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
