package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.sync.cdc.CdcState;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stopping the service while change data capture streams a steady load: shutdown stops the stream (the slot
 * is left inactive, never confirmed beyond what DuckDB committed), the database reopens, and the next start
 * catches up to exactly PostgreSQL's rows — none lost, none twice.
 */
@Timeout(300)
class CdcShutdownIT {
    static final TestingPostgres postgres = TestingPostgres.start();

    @TempDir
    static Path dataDir;

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    private ConfigurableApplicationContext start() {
        return SpringApplication.run(
                DuckbridgeApplication.class,
                "--server.port=0",
                "--duckbridge.demo.enabled=false",
                "--duckbridge.data-dir=" + dataDir,
                "--duckbridge.postgres.url=" + postgres.jdbcUrl(),
                "--duckbridge.postgres.username=" + postgres.username(),
                "--duckbridge.postgres.password=" + postgres.password(),
                "--duckbridge.cdc.enabled=true",
                "--duckbridge.cdc.slot-name=shutdown_cdc",
                "--duckbridge.cdc.publication-name=shutdown_cdc",
                "--duckbridge.cdc.tables=public.ledger",
                "--duckbridge.cdc.heartbeat-interval=500ms",
                "--DUCKDB_MEMORY_LIMIT=512MB",
                "--DUCKDB_THREADS=2");
    }

    @Test
    void shutdownDuringStreamingLosesAndRepeatsNothing() throws Exception {
        postgres.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, v int NOT NULL, note text)");
        postgres.execute("INSERT INTO ledger SELECT g, 0, 'seed ' || g FROM generate_series(1, 1000) g");

        var app = start();
        ChangeCapture capture = app.getBean(ChangeCapture.class);
        DuckDbEngine engine = app.getBean(DuckDbEngine.class);
        String database = engine.settings().databasePath();
        assertThat(poll(() -> capture.status().state() == CdcState.STREAMING
                        && rows(engine).size() == 1000))
                .as("first snapshot copied and streaming")
                .isTrue();

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong commits = new AtomicLong();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(writing, commits));
        assertThat(poll(() -> commits.get() > 200 && capture.status().appliedChanges() > 100))
                .as("changes stream while the load runs")
                .isTrue();

        long start = System.nanoTime();
        app.close();
        Duration shutdown = Duration.ofNanos(System.nanoTime() - start);
        long committedBeforeStop = commits.get();
        writing.set(false);
        writer.get(30, TimeUnit.SECONDS);
        assertThat(shutdown).isLessThan(Duration.ofSeconds(60));
        assertThat(committedBeforeStop).isGreaterThan(200);

        var slot = postgres.query("SELECT active, (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint FROM"
                        + " pg_replication_slots WHERE slot_name = 'shutdown_cdc'")
                .getFirst();
        assertThat(slot.get(0)).as("the stream is closed at shutdown").isEqualTo(false);
        long confirmed = ((Number) slot.get(1)).longValue();
        try (DuckDbEngine reopened = DuckDbEngine.open(EngineSettings.defaults(database))) {
            long safe = reopened.read(session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT greatest(applied_lsn, confirm_lsn)"
                                + " FROM duckbridge.cdc_state WHERE slot_name = 'shutdown_cdc'")) {
                    assertThat(rs.next()).isTrue();
                    return rs.getLong(1);
                }
            });
            assertThat(confirmed)
                    .as("PostgreSQL was never told more than DuckDB committed")
                    .isLessThanOrEqualTo(safe);
            assertThat(rows(reopened)).hasSizeGreaterThanOrEqualTo(1000);
        }

        postgres.execute("UPDATE ledger SET v = v + 1000 WHERE id % 10 = 0");
        postgres.execute("DELETE FROM ledger WHERE id % 17 = 0");
        var again = start();
        try {
            DuckDbEngine second = again.getBean(DuckDbEngine.class);
            List<String> expected = postgresRows();
            assertThat(poll(() -> rows(second).equals(expected)))
                    .as("after the restart DuckDB holds exactly PostgreSQL's rows")
                    .isTrue();
            postgres.execute("INSERT INTO ledger VALUES (-1, 1, 'after restart')");
            assertThat(poll(() -> rows(second).contains("-1|1|after restart")))
                    .as("and keeps streaming")
                    .isTrue();
        } finally {
            again.close();
        }
    }

    /** Inserts, updates and deletes in small transactions until told to stop. */
    private static void write(AtomicBoolean writing, AtomicLong commits) {
        try (Connection c = postgres.connect();
                PreparedStatement insert = c.prepareStatement("INSERT INTO ledger VALUES (?, ?, ?)");
                PreparedStatement update = c.prepareStatement("UPDATE ledger SET v = v + 1 WHERE id = ?");
                PreparedStatement delete = c.prepareStatement("DELETE FROM ledger WHERE id = ?")) {
            c.setAutoCommit(false);
            long next = 1001;
            var random = ThreadLocalRandom.current();
            while (writing.get()) {
                for (int i = 0; i < 5; i++) {
                    insert.setLong(1, next);
                    insert.setInt(2, random.nextInt(100));
                    insert.setString(3, "row " + next);
                    insert.executeUpdate();
                    next++;
                    update.setLong(1, 1 + random.nextLong(next - 1));
                    update.executeUpdate();
                }
                delete.setLong(1, 1 + random.nextLong(next - 1));
                delete.executeUpdate();
                c.commit();
                commits.incrementAndGet();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> postgresRows() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = postgres.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, v, note FROM ledger ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getLong(1) + "|" + rs.getInt(2) + "|" + rs.getString(3));
            }
        }
        return rows;
    }

    private static List<String> rows(DuckDbEngine engine) {
        try {
            return engine.read(session -> {
                List<String> rows = new ArrayList<>();
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT id, v, note FROM public.ledger ORDER BY id")) {
                    while (rs.next()) {
                        rows.add(rs.getLong(1) + "|" + rs.getInt(2) + "|" + rs.getString(3));
                    }
                }
                return rows;
            });
        } catch (RuntimeException e) {
            return List.of(); // not copied yet
        }
    }

    private static boolean poll(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return false;
    }
}
