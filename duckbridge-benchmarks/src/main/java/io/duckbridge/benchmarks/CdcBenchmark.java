package io.duckbridge.benchmarks;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.cdc.CdcSettings;
import io.duckbridge.core.sync.cdc.CdcState;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import io.duckbridge.testing.TestingPostgres;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * CDC benchmark, in one run on one captured table:
 *
 * <ol>
 *   <li><b>steady load</b>: a writer commits transactions of 200 inserts plus 200 updates on a fixed
 *       schedule that offers {@code rate} changes/s (default 30,000) for {@code seconds}, after a warm-up
 *       of {@code warmup} seconds at the same rate that is not measured. Reported: the rate offered and the
 *       rate applied, and the commit-to-visible latency per transaction (p50/p99/max);
 *   <li><b>saturation</b>: the same writer back to back, as fast as PostgreSQL takes it, for {@code
 *       saturation} seconds: the highest rate one writer produces and CDC's latency under it (queueing);
 *   <li><b>catch-up</b>: CDC stopped, a backlog of {@code backlog} inserts written, CDC started again: the
 *       apply rate for the backlog, and its ratio to the steady rate.
 * </ol>
 *
 * <p>Run with {@code java -cp ... io.duckbridge.benchmarks.CdcBenchmark [name=value ...]}, names {@code
 * rate}, {@code seconds}, {@code warmup}, {@code saturation}, {@code backlog} and {@code max-batch-changes}
 * (0 keeps the setting's default). Latency is measured per transaction from the moment PostgreSQL
 * acknowledged its commit to the moment a DuckDB reader polling every millisecond sees its last row. CPU
 * seconds are this JVM's (Java and DuckDB; PostgreSQL runs in its own processes).
 */
public final class CdcBenchmark {
    private static final int ROWS_PER_TRANSACTION = 200;
    private static final int CHANGES_PER_TRANSACTION = 2 * ROWS_PER_TRANSACTION;

    private CdcBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        double rate = Double.parseDouble(options.getOrDefault("rate", "30000"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "20"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "3"));
        int saturation = Integer.parseInt(options.getOrDefault("saturation", "10"));
        int backlog = Integer.parseInt(options.getOrDefault("backlog", "1000000"));
        int maxBatchChanges = Integer.parseInt(options.getOrDefault("max-batch-changes", "0"));
        long probeNanos = TimeUnit.MICROSECONDS.toNanos(
                Math.round(1000 * Double.parseDouble(options.getOrDefault("probe-ms", "5"))));
        if (rate <= 0 || seconds < 1 || warmup < 0 || saturation < 0 || backlog < 1) {
            throw new IllegalArgumentException("rate and backlog must be positive, seconds at least 1");
        }
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
            System.out.printf(
                    Locale.ROOT,
                    "cores: %d; transactions of %d inserts + %d updates; max-batch-changes %d; visibility probed every"
                            + " %.1f ms%n",
                    Runtime.getRuntime().availableProcessors(),
                    ROWS_PER_TRANSACTION,
                    ROWS_PER_TRANSACTION,
                    settings.maxBatchChanges(),
                    probeNanos / 1e6);

            ChangeCapture cdc = new ChangeCapture(engine, source, settings);
            cdc.start();
            await(() -> cdc.status().state() == CdcState.STREAMING, 60);
            Load load = new Load(postgres, engine, cdc);

            // ---- steady load --------------------------------------------------------------------
            Phase steady = load.run(rate, warmup, seconds, probeNanos);
            System.out.printf(
                    Locale.ROOT,
                    "steady: target %,.0f changes/s; offered %,.0f changes/s (%,d changes in %.1f s), applied %,.0f"
                            + " changes/s; commit-to-visible latency p50 %.1f ms, p99 %.1f ms, max %.1f ms"
                            + " (%,d transactions, %,d started late); CPU %.1f s (%.1f µs/change)%n",
                    rate,
                    steady.offeredRate(),
                    steady.written(),
                    steady.seconds(),
                    steady.appliedRate(),
                    steady.p(0.50),
                    steady.p(0.99),
                    steady.max(),
                    steady.latenciesMs().size(),
                    steady.late(),
                    steady.cpuSeconds(),
                    steady.cpuSeconds() * 1e6 / Math.max(1, steady.applied()));
            if (steady.offeredRate() < 0.97 * rate) {
                System.out.printf(
                        Locale.ROOT,
                        "steady: the writer did NOT sustain the target: PostgreSQL took only %,.0f changes/s"
                                + " on this machine now%n",
                        steady.offeredRate());
            }

            // ---- saturation ---------------------------------------------------------------------
            Phase saturated = null;
            if (saturation > 0) {
                saturated = load.run(0, 0, saturation, probeNanos);
                System.out.printf(
                        Locale.ROOT,
                        "saturation: one writer back to back offered %,.0f changes/s, applied %,.0f changes/s;"
                                + " commit-to-visible latency p50 %.1f ms, p99 %.1f ms, max %.1f ms"
                                + " (%,d transactions); CPU %.1f s (%.1f µs/change)%n",
                        saturated.offeredRate(),
                        saturated.appliedRate(),
                        saturated.p(0.50),
                        saturated.p(0.99),
                        saturated.max(),
                        saturated.latenciesMs().size(),
                        saturated.cpuSeconds(),
                        saturated.cpuSeconds() * 1e6 / Math.max(1, saturated.applied()));
            }

            // ---- catch-up -----------------------------------------------------------------------
            cdc.stop();
            long maxId = load.nextId - 1;
            int chunk = 50_000;
            for (long from = maxId + 1; from <= maxId + backlog; from += chunk) {
                postgres.execute("INSERT INTO bench (id, account, amount, note) SELECT g, g % 1000, g * 0.01, 'b' || g"
                        + " FROM generate_series(" + from + ", " + Math.min(maxId + backlog, from + chunk - 1) + ") g");
            }
            long before = cdc.status().appliedChanges();
            long cpu0 = cpuNanos();
            long catchUpStart = System.nanoTime();
            cdc.start();
            await(() -> cdc.status().appliedChanges() - before >= backlog, 600);
            double catchUpSeconds = (System.nanoTime() - catchUpStart) / 1e9;
            double catchUpCpu = (cpuNanos() - cpu0) / 1e9;
            double catchUpRate = backlog / catchUpSeconds;
            System.out.printf(
                    Locale.ROOT,
                    "catch-up: %,d changes in %.1f s = %,.0f changes/s; CPU %.1f s (%.1f µs/change)%n",
                    backlog,
                    catchUpSeconds,
                    catchUpRate,
                    catchUpCpu,
                    catchUpCpu * 1e6 / backlog);
            System.out.printf(
                    Locale.ROOT,
                    "catch-up ÷ steady applied rate: %.1fx%s%n",
                    catchUpRate / steady.appliedRate(),
                    saturated == null
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "; catch-up ÷ saturation rate: %.1fx",
                                    catchUpRate / saturated.appliedRate()));
            cdc.disable();
            cdc.close();
        }
    }

    /** What one load phase measured. */
    private record Phase(
            long written,
            long applied,
            double seconds,
            double appliedSeconds,
            long late,
            List<Double> latenciesMs,
            double cpuSeconds) {
        double offeredRate() {
            return written / seconds;
        }

        double appliedRate() {
            return applied / appliedSeconds;
        }

        double p(double p) {
            if (latenciesMs.isEmpty()) {
                return 0;
            }
            return latenciesMs.get(Math.min(latenciesMs.size() - 1, (int) Math.ceil(p * latenciesMs.size()) - 1));
        }

        double max() {
            return latenciesMs.isEmpty() ? 0 : latenciesMs.getLast();
        }
    }

    /** One committed transaction: its highest id, when PostgreSQL acknowledged it, whether it is measured. */
    private record Commit(long lastId, long committedAtNanos, boolean measured) {}

    /** The writer and the prober; ids continue from phase to phase. */
    private static final class Load {
        private final TestingPostgres postgres;
        private final DuckDbEngine engine;
        private final ChangeCapture cdc;
        long nextId = 1;

        Load(TestingPostgres postgres, DuckDbEngine engine, ChangeCapture cdc) {
            this.postgres = postgres;
            this.engine = engine;
            this.cdc = cdc;
        }

        /**
         * Writes for {@code warmupSeconds} then {@code seconds}, paced at {@code rate} changes/s (0: back to
         * back), and waits until DuckDB shows every transaction.
         */
        Phase run(double rate, int warmupSeconds, int seconds, long probeNanos) throws Exception {
            ConcurrentLinkedQueue<Commit> commits = new ConcurrentLinkedQueue<>();
            List<Double> latenciesMs = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long[] written = new long[1];
            long[] late = new long[1];
            long[] measureWindow = new long[2];
            long[] appliedAtMeasureStart = new long[1];
            long[] cpuAtMeasureStart = new long[1];
            long intervalNanos = rate > 0 ? Math.round(1e9 * CHANGES_PER_TRANSACTION / rate) : 0;
            long firstId = nextId;
            Thread writer = new Thread(
                    () -> {
                        try (Connection c = postgres.connect();
                                Statement st = c.createStatement()) {
                            // the test server runs with synchronous_commit=off, where a commit reaches the WAL
                            // (and so the walsender) only at the WAL writer's next round, up to wal_writer_delay
                            // (200 ms) later; a production server commits synchronously, so the writer does too
                            st.execute("SET synchronous_commit = on");
                            c.setAutoCommit(false);
                            long id = firstId - 1;
                            long start = System.nanoTime();
                            long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
                            long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
                            boolean measuring = warmupSeconds == 0;
                            if (measuring) {
                                begin(measureWindow, appliedAtMeasureStart, cpuAtMeasureStart, start);
                            }
                            long due = start;
                            while (true) {
                                long now = System.nanoTime();
                                if (intervalNanos > 0) {
                                    if (now < due) {
                                        LockSupport.parkNanos(due - now);
                                        now = System.nanoTime();
                                    } else if (now - due > intervalNanos) {
                                        late[0] += measuring ? 1 : 0;
                                    }
                                }
                                if (now >= end) {
                                    measureWindow[1] = now;
                                    break;
                                }
                                if (!measuring && now >= measureFrom) {
                                    // the measured window starts on schedule, whatever the warm-up fell behind
                                    measuring = true;
                                    due = now;
                                    begin(measureWindow, appliedAtMeasureStart, cpuAtMeasureStart, now);
                                }
                                long from = id + 1;
                                id += ROWS_PER_TRANSACTION;
                                // new rows, and updates of the rows the transaction before inserted
                                st.execute("INSERT INTO bench (id, account, amount, note) SELECT g, g % 1000,"
                                        + " g * 0.01, 'note ' || g FROM generate_series(" + from + ", " + id + ") g");
                                st.execute("UPDATE bench SET amount = amount + 1 WHERE id BETWEEN "
                                        + (from - ROWS_PER_TRANSACTION) + " AND " + (from - 1));
                                c.commit();
                                commits.add(new Commit(id, System.nanoTime(), measuring));
                                if (measuring) {
                                    written[0] += from > ROWS_PER_TRANSACTION
                                            ? CHANGES_PER_TRANSACTION
                                            : ROWS_PER_TRANSACTION;
                                }
                                due += intervalNanos;
                            }
                            nextId = id + 1;
                        } catch (Throwable e) {
                            failure.set(e);
                        } finally {
                            writing.set(false);
                        }
                    },
                    "bench-writer");
            Thread prober = new Thread(
                    () -> {
                        long seen = firstId - 1;
                        while (writing.get() || !commits.isEmpty()) {
                            // only row groups above the last id seen are scanned (zone maps), so polling every
                            // millisecond costs little CPU and does not slow what it measures
                            long since = seen;
                            // (a statement prepared once: preparing costs more than running this query)
                            long visible = engine.read(session -> {
                                PreparedStatement ps = session.prepareCached(
                                        "SELECT coalesce(max(id), ?) FROM public.bench WHERE id > ?");
                                ps.setLong(1, since);
                                ps.setLong(2, since);
                                try (ResultSet rs = ps.executeQuery()) {
                                    rs.next();
                                    return rs.getLong(1);
                                }
                            });
                            seen = visible;
                            long now = System.nanoTime();
                            for (Commit head = commits.peek();
                                    head != null && head.lastId() <= visible;
                                    head = commits.peek()) {
                                commits.poll();
                                if (head.measured()) {
                                    latenciesMs.add((now - head.committedAtNanos()) / 1e6);
                                }
                            }
                            LockSupport.parkNanos(probeNanos);
                        }
                    },
                    "bench-prober");
            writer.start();
            prober.start();
            writer.join();
            prober.join(TimeUnit.SECONDS.toMillis(300));
            if (failure.get() != null) {
                throw new IllegalStateException("the writer failed", failure.get());
            }
            if (prober.isAlive()) {
                throw new IllegalStateException("CDC did not show every transaction within 300 s");
            }
            long visibleAt = System.nanoTime();
            double cpu = (cpuNanos() - cpuAtMeasureStart[0]) / 1e9;
            long applied = cdc.status().appliedChanges() - appliedAtMeasureStart[0];
            List<Double> sorted = new ArrayList<>(latenciesMs);
            Collections.sort(sorted);
            return new Phase(
                    written[0],
                    applied,
                    (measureWindow[1] - measureWindow[0]) / 1e9,
                    (visibleAt - measureWindow[0]) / 1e9,
                    late[0],
                    sorted,
                    cpu);
        }

        private void begin(long[] window, long[] applied, long[] cpu, long now) {
            window[0] = now;
            applied[0] = cdc.status().appliedChanges();
            cpu[0] = cpuNanos();
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String name = eq < 0 ? "" : arg.substring(0, eq);
            if (!List.of("rate", "seconds", "warmup", "saturation", "backlog", "max-batch-changes", "probe-ms")
                    .contains(name)) {
                throw new IllegalArgumentException("unknown argument " + arg + "; use name=value with name one of"
                        + " rate, seconds, warmup, saturation, backlog, max-batch-changes, probe-ms");
            }
            options.put(name, arg.substring(eq + 1));
        }
        return options;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
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
