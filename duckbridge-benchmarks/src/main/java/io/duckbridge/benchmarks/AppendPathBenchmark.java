package io.duckbridge.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDataChunkWriter;
import org.duckdb.DuckDBFunctions;
import org.duckdb.DuckDBTableFunction;
import org.duckdb.DuckDBTableFunctionBindInfo;
import org.duckdb.DuckDBTableFunctionCallInfo;
import org.duckdb.DuckDBTableFunctionInitInfo;
import org.duckdb.DuckDBWritableVector;

/**
 * What writing rows into a DuckDB file costs on each path, in CPU microseconds per row of the sync
 * benchmark's orders-like table (11 columns), without PostgreSQL: the part of a full sync that happens after
 * the values are decoded. One DuckDB thread; each path runs twice, the second (warm) run counts.
 *
 * <ul>
 *   <li>{@code appender}: the JDBC {@link DuckDBAppender}, one value at a time, in one transaction (the path
 *       the snapshot copier uses);
 *   <li>{@code table function}: a Java table function filling DuckDB vectors a chunk at a time, read by
 *       {@code CREATE TABLE ... AS SELECT} with the casts that give the final types;
 *   <li>{@code DuckDB copy}: {@code CREATE TABLE ... AS SELECT * } of the finished table — DuckDB's own cost
 *       of compressing and writing the same rows, the floor for any path.
 * </ul>
 *
 * Run: {@code java --enable-native-access=ALL-UNNAMED -cp "duckbridge-benchmarks/target/classes:$(cat
 * duckbridge-benchmarks/target/classpath.txt)" io.duckbridge.benchmarks.AppendPathBenchmark [rows]}.
 */
public final class AppendPathBenchmark {
    private static final String[] STATUS = {"new", "paid", "shipped", "delivered", "cancelled"};
    private static final byte[][] STATUS_UTF8 =
            Arrays.stream(STATUS).map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    private static final String DDL = "(id BIGINT, customer_id INTEGER, status VARCHAR, amount DECIMAL(12,2),"
            + " quantity INTEGER, discount FLOAT, is_paid BOOLEAN, created_at TIMESTAMP, updated_at TIMESTAMP,"
            + " ship_date DATE, note VARCHAR)";

    private AppendPathBenchmark() {}

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 3_000_000L;
        Path dir = Files.createTempDirectory("duckbridge-append");
        try (DuckDBConnection c =
                (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("a.db"))) {
            execute(c, "SET threads = 1");
            registerGenerator(c);
            double appender = 0;
            double function = 0;
            double copy = 0;
            for (int run = 0; run < 2; run++) {
                execute(c, "DROP TABLE IF EXISTS a; DROP TABLE IF EXISTS f; DROP TABLE IF EXISTS c");
                execute(c, "CREATE TABLE a " + DDL);
                long t0 = cpu();
                appendRows(c, rows);
                appender = (cpu() - t0) / 1e3 / rows;
                t0 = cpu();
                execute(
                        c,
                        "CREATE TABLE f AS SELECT id, customer_id, status, (amount::DECIMAL(18,0) *"
                                + " 0.01::DECIMAL(3,2))::DECIMAL(12,2) AS amount, quantity, discount, is_paid,"
                                + " make_timestamp(created_at) AS created_at, make_timestamp(updated_at) AS updated_at,"
                                + " DATE '1970-01-01' + ship_date AS ship_date, note FROM orders_generator(" + rows
                                + ")");
                function = (cpu() - t0) / 1e3 / rows;
                t0 = cpu();
                execute(c, "CREATE TABLE c AS SELECT * FROM a");
                copy = (cpu() - t0) / 1e3 / rows;
            }
            String check = "SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM f)";
            try (Statement st = c.createStatement();
                    var rs = st.executeQuery(check)) {
                rs.next();
                if (rs.getLong(1) != 0) {
                    throw new IllegalStateException("the table function wrote different rows than the appender");
                }
            }
            System.out.printf(Locale.ROOT, "%,d rows, CPU microseconds per row (second run):%n", rows);
            System.out.printf(Locale.ROOT, "  JDBC appender                  %6.2f  (1.00)%n", appender);
            System.out.printf(
                    Locale.ROOT, "  table function + CTAS          %6.2f  (%.2f)%n", function, function / appender);
            System.out.printf(Locale.ROOT, "  DuckDB copy of the table       %6.2f  (%.2f)%n", copy, copy / appender);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void appendRows(DuckDBConnection c, long rows) throws Exception {
        c.setAutoCommit(false);
        try (DuckDBAppender ap = c.createAppender("main", "a")) {
            for (long g = 1; g <= rows; g++) {
                ap.beginRow();
                ap.append(g);
                ap.append((int) (g * 7919 % 100000));
                byte[] status = STATUS_UTF8[(int) (g % 5)];
                ap.append(Arrays.copyOf(status, status.length));
                ap.appendDecimal((g % 100000) * 37);
                ap.append((int) (1 + g % 9));
                if (g % 4 == 0) {
                    ap.appendNull();
                } else {
                    ap.append((float) ((g % 30) / 100.0));
                }
                ap.append(g % 3 != 0);
                ap.appendEpochMicros(1_672_531_200_000_000L + g * 5_000_000L);
                ap.appendEpochMicros(1_704_067_200_000_000L + g * 3_000_000L);
                ap.appendEpochDays((int) (19358 + g % 700));
                if (g % 10 == 0) {
                    ap.append("gift wrap, leave at door");
                } else {
                    ap.appendNull();
                }
                ap.endRow();
            }
        }
        c.commit();
        c.setAutoCommit(true);
    }

    /** {@code orders_generator(n)}: the same rows as {@link #appendRows}, in physical types. */
    private static void registerGenerator(DuckDBConnection c) throws Exception {
        DuckDBFunctions.tableFunction()
                .withName("orders_generator")
                .withParameter(Long.class)
                .withFunction(new DuckDBTableFunction<Long, long[], Object>() {
                    @Override
                    public Long bind(DuckDBTableFunctionBindInfo info) {
                        info.addResultColumn("id", DuckDBColumnType.BIGINT)
                                .addResultColumn("customer_id", DuckDBColumnType.INTEGER)
                                .addResultColumn("status", DuckDBColumnType.VARCHAR)
                                .addResultColumn("amount", DuckDBColumnType.BIGINT)
                                .addResultColumn("quantity", DuckDBColumnType.INTEGER)
                                .addResultColumn("discount", DuckDBColumnType.FLOAT)
                                .addResultColumn("is_paid", DuckDBColumnType.BOOLEAN)
                                .addResultColumn("created_at", DuckDBColumnType.BIGINT)
                                .addResultColumn("updated_at", DuckDBColumnType.BIGINT)
                                .addResultColumn("ship_date", DuckDBColumnType.INTEGER)
                                .addResultColumn("note", DuckDBColumnType.VARCHAR);
                        return info.getParameter(0).getLong();
                    }

                    @Override
                    public long[] init(DuckDBTableFunctionInitInfo info) {
                        info.setMaxThreads(1);
                        return new long[] {1};
                    }

                    @Override
                    public long apply(DuckDBTableFunctionCallInfo info, DuckDBDataChunkWriter out) {
                        long[] next = info.getInitData();
                        long total = info.<Long>getBindData();
                        int n = (int) Math.min(out.capacity(), total - next[0] + 1);
                        DuckDBWritableVector[] v = new DuckDBWritableVector[11];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = out.vector(i);
                        }
                        byte[][] status = new byte[n][];
                        for (int r = 0; r < n; r++) {
                            long g = next[0] + r;
                            v[0].setLong(r, g);
                            v[1].setInt(r, (int) (g * 7919 % 100000));
                            status[r] = STATUS_UTF8[(int) (g % 5)];
                            v[3].setLong(r, (g % 100000) * 37);
                            v[4].setInt(r, (int) (1 + g % 9));
                            if (g % 4 == 0) {
                                v[5].setNull(r);
                            } else {
                                v[5].setFloat(r, (float) ((g % 30) / 100.0));
                            }
                            v[6].setBoolean(r, g % 3 != 0);
                            v[7].setLong(r, 1_672_531_200_000_000L + g * 5_000_000L);
                            v[8].setLong(r, 1_704_067_200_000_000L + g * 3_000_000L);
                            v[9].setInt(r, (int) (19358 + g % 700));
                            if (g % 10 == 0) {
                                v[10].setString(r, "gift wrap, leave at door");
                            } else {
                                v[10].setNull(r);
                            }
                        }
                        v[2].setStringUtf8Batch(0, status);
                        next[0] += n;
                        return n;
                    }
                })
                .register(c);
    }

    private static void execute(DuckDBConnection c, String sql) throws Exception {
        try (Statement st = c.createStatement()) {
            for (String s : sql.split(";")) {
                st.execute(s);
            }
        }
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
