package io.duckbridge.benchmarks;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.SyncSettings;
import io.duckbridge.core.sync.TableSync;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings.Ingest;
import io.duckbridge.testing.TestingPostgres;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import org.postgresql.PGConnection;

/**
 * Full-sync throughput against its baselines, measured in one run on the same table: an orders-like table
 * (10 mixed columns) of N rows (default 5,000,000).
 *
 * <ul>
 *   <li>extraction limit: single-stream {@code COPY orders TO STDOUT (FORMAT binary)} drained and discarded
 *       in Java (and the same in text format, to choose the format);
 *   <li>Duckbridge full sync ({@link TableSync}) into a DuckDB file: over text COPY with the given workers;
 *       over binary COPY with 1 worker and with the given workers, written by the JDBC appender and by the
 *       ingest table function (the default), alternating, the N-worker runs twice each; then the binary drain
 *       again, and the ratios use the better of the two drains;
 *   <li>naive: row-by-row JDBC batch inserts into DuckDB of a 100,000-row sample.
 * </ul>
 *
 * <p>Each phase also reports the CPU seconds used by this JVM (Java and DuckDB) and by the PostgreSQL server,
 * which, unlike wall time, do not depend on what else the machine runs.
 *
 * Run: {@code ./mvnw -q -pl duckbridge-benchmarks -am package -DskipTests} then
 * {@code java --enable-native-access=ALL-UNNAMED -cp "duckbridge-benchmarks/target/classes:$(cat
 * duckbridge-benchmarks/target/classpath.txt)" io.duckbridge.benchmarks.SyncBenchmark [rows [workers [sample]]]}.
 */
public final class SyncBenchmark {
    private SyncBenchmark() {}

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000L;
        int workers = args.length > 1
                ? Integer.parseInt(args[1])
                : Math.max(2, Runtime.getRuntime().availableProcessors());
        Path dir = Files.createTempDirectory("duckbridge-bench");
        try (TestingPostgres pg = TestingPostgres.start()) {
            long t0 = System.nanoTime();
            pg.execute("""
                    CREATE TABLE orders (
                        id bigint PRIMARY KEY, customer_id integer NOT NULL, status text NOT NULL,
                        amount numeric(12,2) NOT NULL, quantity integer NOT NULL, discount real,
                        is_paid boolean NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
                        ship_date date, note text)""");
            pg.execute("INSERT INTO orders SELECT g, (g::bigint * 7919 % 100000)::int, (ARRAY['new','paid','shipped',"
                    + "'delivered','cancelled'])[1 + g % 5], round((g % 100000) * 0.37, 2), 1 + g % 9,"
                    + " CASE WHEN g % 4 = 0 THEN NULL ELSE (g % 30) / 100.0 END, g % 3 <> 0,"
                    + " TIMESTAMPTZ '2023-01-01' + g * interval '5 seconds', TIMESTAMPTZ '2024-01-01' + g * interval"
                    + " '3 seconds', DATE '2023-01-01' + (g % 700), CASE WHEN g % 10 = 0 THEN 'gift wrap, leave at"
                    + " door' END FROM generate_series(1, " + rows + ") g");
            pg.execute("VACUUM ANALYZE orders");
            System.out.printf(Locale.ROOT, "loaded %,d rows into PostgreSQL in %.1f s%n", rows, secs(t0));
            PostgresSource source = new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password());
            cpu = new CpuClock(postmasterPid(pg));
            System.out.printf(Locale.ROOT, "%-40s %12s %8s %22s%n", "", "rows/s", "wall", "CPU s (Java + PostgreSQL)");

            double binary = drain(pg, "COPY orders TO STDOUT (FORMAT binary)", rows, "binary COPY drained");
            double text = drain(pg, "COPY orders TO STDOUT", rows, "text COPY drained");

            double textSync = fullSync(
                    source,
                    dir.resolve("text.duckdb"),
                    workers,
                    false,
                    Ingest.APPENDER,
                    rows,
                    "full sync, text COPY, " + workers + " w");
            // the appender (the previous design) and the table function (the default) alternate, so both see
            // the same load on a shared machine; the better of the two N-worker runs of each counts
            double oneAppender =
                    fullSync(source, dir.resolve("a1.duckdb"), 1, true, Ingest.APPENDER, rows, "binary, appender, 1 w");
            double oneFunction = fullSync(
                    source, dir.resolve("f1.duckdb"), 1, true, Ingest.TABLE_FUNCTION, rows, "binary, table fn, 1 w");
            double manyAppender = 0;
            double manyFunction = 0;
            for (int round = 0; round < 2; round++) {
                manyAppender = Math.max(
                        manyAppender,
                        fullSync(
                                source,
                                dir.resolve("a" + round + ".duckdb"),
                                workers,
                                true,
                                Ingest.APPENDER,
                                rows,
                                "binary, appender, " + workers + " w"));
                manyFunction = Math.max(
                        manyFunction,
                        fullSync(
                                source,
                                dir.resolve("f" + round + ".duckdb"),
                                workers,
                                true,
                                Ingest.TABLE_FUNCTION,
                                rows,
                                "binary, table fn, " + workers + " w"));
            }
            double binary2 = drain(pg, "COPY orders TO STDOUT (FORMAT binary)", rows, "binary COPY drained (again)");

            int sample = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
            double naive = naive(pg, dir.resolve("naive.duckdb"), sample);

            System.out.println();
            System.out.printf(Locale.ROOT, "cores: %d%n", Runtime.getRuntime().availableProcessors());
            double drainRate = Math.max(binary, binary2);
            System.out.printf(Locale.ROOT, "binary COPY drain, best of two: %,.0f rows/s%n", drainRate);
            System.out.printf(Locale.ROOT, "text/binary COPY drain: %.2f%n", text / drainRate);
            System.out.printf(
                    Locale.ROOT,
                    "full sync, text COPY (%d workers) / binary COPY drain: %.2f%n",
                    workers,
                    textSync / drainRate);
            System.out.printf(
                    Locale.ROOT,
                    "full sync, appender, 1 / %d workers / binary COPY drain: %.2f / %.2f%n",
                    workers,
                    oneAppender / drainRate,
                    manyAppender / drainRate);
            System.out.printf(
                    Locale.ROOT,
                    "full sync, table function, 1 / %d workers / binary COPY drain: %.2f / %.2f%n",
                    workers,
                    oneFunction / drainRate,
                    manyFunction / drainRate);
            System.out.printf(
                    Locale.ROOT, "full sync (%d workers) / naive JDBC batch: %.1fx%n", workers, manyFunction / naive);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private static CpuClock cpu;

    private static double drain(TestingPostgres pg, String sql, long rows, String label) throws Exception {
        try (Connection c = pg.connect()) {
            long[] cpu0 = cpu.read();
            long t0 = System.nanoTime();
            long copied = c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, OutputStream.nullOutputStream());
            double s = secs(t0);
            double rate = copied / s;
            report(label, rate, s, cpu0);
            return rate;
        }
    }

    private static double fullSync(
            PostgresSource source, Path file, int workers, boolean binaryCopy, Ingest ingest, long rows, String label) {
        try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            var sync = new TableSync(
                    engine,
                    source,
                    null,
                    new SyncSettings(
                            new TableSelector(List.of("public.orders"), List.of()),
                            null,
                            new SnapshotSettings(workers, 250_000, binaryCopy, ingest),
                            null));
            long[] cpu0 = cpu.read();
            long t0 = System.nanoTime();
            var result = sync.run(List.of(TableName.parse("orders")), SyncMode.FULL, JobContext.none());
            double s = secs(t0);
            if (((Number) result.get("rows")).longValue() != rows) {
                throw new IllegalStateException("synced " + result.get("rows") + " rows, expected " + rows);
            }
            double rate = rows / s;
            report(label, rate, s, cpu0);
            return rate;
        }
    }

    private static void report(String label, double rate, double seconds, long[] cpu0) {
        long[] cpu1 = cpu.read();
        System.out.printf(
                Locale.ROOT,
                "%-40s %,12.0f %7.1fs %9.1f + %5.1f = %5.1f%n",
                label,
                rate,
                seconds,
                (cpu1[0] - cpu0[0]) / 1e9,
                (cpu1[1] - cpu0[1]) / 1e9,
                (cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1]) / 1e9);
    }

    private static long postmasterPid(TestingPostgres pg) throws Exception {
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return CpuClock.parentOf(rs.getLong(1));
        }
    }

    /**
     * CPU time used so far by this JVM and by the PostgreSQL server (the postmaster, its live children, and its
     * exited children, whose time Linux adds to the postmaster's {@code cutime}/{@code cstime} once reaped).
     * CPU seconds per phase do not depend on how many other processes share the machine, unlike wall time.
     */
    private record CpuClock(long postmaster) {
        long[] read() {
            long jvm = ((com.sun.management.OperatingSystemMXBean)
                            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            long ticks = ticks(postmaster);
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) procs::iterator) {
                    String name = p.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    long pid = Long.parseLong(name);
                    if (ProcStat.of(pid).map(ProcStat::parent).orElse(-1L) == postmaster) {
                        ticks += ticks(pid);
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return new long[] {jvm, (long) (ticks * 1e9 / ProcStat.TICKS_PER_SECOND)};
        }

        static long parentOf(long pid) {
            return ProcStat.of(pid).orElseThrow().parent();
        }

        /** The CPU ticks of {@code pid} and of its children that ended; 0 when it has ended itself. */
        private static long ticks(long pid) {
            return ProcStat.of(pid).map(s -> s.ticks() + s.childTicks()).orElse(0L);
        }
    }

    private static double naive(TestingPostgres pg, Path file, int sample) throws Exception {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:" + file);
                Connection c = pg.connect()) {
            try (Statement st = duck.createStatement()) {
                st.execute("CREATE TABLE orders (id BIGINT, customer_id INTEGER, status VARCHAR, amount DECIMAL(12,2),"
                        + " quantity INTEGER, discount FLOAT, is_paid BOOLEAN, created_at TIMESTAMPTZ,"
                        + " updated_at TIMESTAMPTZ, ship_date DATE, note VARCHAR)");
            }
            c.setAutoCommit(false);
            long t0 = System.nanoTime();
            duck.setAutoCommit(false);
            try (Statement read = c.createStatement();
                    PreparedStatement insert =
                            duck.prepareStatement("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                read.setFetchSize(10_000);
                try (ResultSet rs = read.executeQuery("SELECT * FROM orders ORDER BY id LIMIT " + sample)) {
                    int n = 0;
                    while (rs.next()) {
                        for (int i = 1; i <= 11; i++) {
                            insert.setObject(i, rs.getObject(i));
                        }
                        insert.addBatch();
                        if (++n % 1000 == 0) {
                            insert.executeBatch();
                        }
                    }
                    insert.executeBatch();
                }
            }
            duck.commit();
            double s = secs(t0);
            double rate = sample / s;
            System.out.printf(
                    Locale.ROOT,
                    "%-40s %,12.0f %7.1fs  (%,d-row sample)%n",
                    "naive JDBC batch insert",
                    rate,
                    s,
                    sample);
            return rate;
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
