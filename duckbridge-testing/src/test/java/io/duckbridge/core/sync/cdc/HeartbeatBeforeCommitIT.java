package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A heartbeat written while a transaction is open, after its last change and before its commit. pgoutput sends a
 * non-transactional message with the LSN at the END of its WAL record, and a transaction with the LSN at the
 * START of its commit record (Begin's final LSN). With nothing written in between, the two are equal: the
 * heartbeat's marker, once handed to the lane, made the transaction look applied already, and it was skipped
 * (its rows never reached DuckDB, with the position confirmed past it and nothing logged).
 */
@Timeout(300)
class HeartbeatBeforeCommitIT {
    private static final List<String> TABLES = List.of("public.hb_ledger", "public.hb_counter");

    @TempDir
    Path dir;

    /**
     * Transactions that stay open a while after their last change (an application between its last statement
     * and its commit): heartbeats every 100 ms make one of them the WAL record right before each commit record.
     */
    @Test
    void aTransactionCommittedRightAfterAHeartbeatIsApplied() throws Exception {
        try (TestingPostgres postgres = TestingPostgres.start()) {
            createTables(postgres);
            PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
            CdcSettings settings = settings("hb_open").withHeartbeatInterval(Duration.ofMillis(100));
            try (DuckDbEngine engine = DuckDbEngine.open(
                            EngineSettings.defaults(dir.resolve("a.duckdb").toString()));
                    ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
                cdc.start();
                ChangeCaptureRestartIT.awaitEqual(source, engine, TABLES, dir);

                try (Connection c = postgres.connect()) {
                    c.setAutoCommit(false);
                    for (int i = 1; i <= 12; i++) {
                        try (Statement st = c.createStatement()) {
                            st.execute("INSERT INTO hb_ledger VALUES (" + i + ", " + (i * 7) + ")");
                            st.execute("UPDATE hb_counter SET n = n + 1 WHERE id = 1");
                        }
                        Thread.sleep(350); // open, without writing: the heartbeats are the last WAL records
                        c.commit();
                    }
                }
                assertNothingLost(postgres, source, engine);
                assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
            }
        }
    }

    /**
     * A position an earlier version stored for a heartbeat's marker (applied and confirmed both at the message's
     * end), and the transaction whose commit record follows the message, not yet received: the next start
     * applies it.
     */
    @Test
    void aHeartbeatPositionStoredByAnEarlierVersionStillAppliesTheCommitRightAfterIt() throws Exception {
        try (TestingPostgres postgres = TestingPostgres.start()) {
            createTables(postgres);
            PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
            CdcSettings settings = settings("hb_old").withHeartbeatInterval(Duration.ofHours(1));
            try (DuckDbEngine engine = DuckDbEngine.open(
                            EngineSettings.defaults(dir.resolve("c.duckdb").toString()));
                    ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
                cdc.start();
                ChangeCaptureRestartIT.awaitEqual(source, engine, TABLES, dir);
                cdc.stop();

                Lsn heartbeatEnd;
                try (Connection writer = postgres.connect();
                        Connection admin = postgres.connect()) {
                    writer.setAutoCommit(false);
                    try (Statement st = writer.createStatement()) {
                        st.execute("INSERT INTO hb_ledger VALUES (1, 7)");
                        st.execute("UPDATE hb_counter SET n = n + 1 WHERE id = 1");
                    }
                    try (Statement st = admin.createStatement();
                            var rs = st.executeQuery("SELECT pg_logical_emit_message(false, '"
                                    + ChangeCapture.HEARTBEAT_PREFIX + "', 'hb_old:"
                                    + System.currentTimeMillis() + "')::text")) {
                        rs.next();
                        heartbeatEnd = Lsn.parse(rs.getString(1)); // the end of its record
                    }
                    writer.commit();
                }
                engine.write(session -> {
                    CdcStateStore.savePosition(session, "hb_old", heartbeatEnd, heartbeatEnd, null);
                    return null;
                });

                cdc.start();
                assertNothingLost(postgres, source, engine);
            }
        }
    }

    /**
     * As reported: many tiny transactions in a row, heartbeats often, and checkpoints through the writer lane
     * (as a backup takes) meanwhile; afterwards DuckDB holds every committed transaction.
     */
    @Test
    void tinyTransactionsWithFrequentHeartbeatsAndCheckpointsAreAllApplied() throws Exception {
        try (TestingPostgres postgres = TestingPostgres.start()) {
            createTables(postgres);
            PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
            CdcSettings settings = settings("hb_busy").withHeartbeatInterval(Duration.ofMillis(50));
            try (DuckDbEngine engine = DuckDbEngine.open(
                            EngineSettings.defaults(dir.resolve("b.duckdb").toString()));
                    ChangeCapture cdc = new ChangeCapture(engine, source, settings)) {
                cdc.start();
                ChangeCaptureRestartIT.awaitEqual(source, engine, TABLES, dir);

                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger checkpoints = new AtomicInteger();
                Thread checkpointer = new Thread(() -> {
                    while (!stop.get()) {
                        if (engine.tryCheckpoint("in the test")) {
                            checkpoints.incrementAndGet();
                        }
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                checkpointer.start();
                int written = 0;
                try (Connection c = postgres.connect();
                        Statement st = c.createStatement()) {
                    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (System.nanoTime() < end) {
                        written++;
                        st.execute("BEGIN; INSERT INTO hb_ledger VALUES (" + written + ", " + (written % 97)
                                + "); UPDATE hb_counter SET n = n + 1 WHERE id = 1; COMMIT");
                    }
                } finally {
                    stop.set(true);
                    checkpointer.join();
                }
                assertThat(written).isGreaterThan(100);
                assertThat(checkpoints.get()).isPositive();
                assertNothingLost(postgres, source, engine);
            }
        }
    }

    private static CdcSettings settings(String name) {
        return CdcSettings.defaults()
                .withSlotName(name)
                .withPublicationName(name)
                .withTables(TABLES);
    }

    private static void createTables(TestingPostgres postgres) {
        postgres.execute("CREATE TABLE hb_ledger (id int PRIMARY KEY, amt int)");
        postgres.execute("CREATE TABLE hb_counter (id int PRIMARY KEY, n int)");
        postgres.execute("INSERT INTO hb_counter VALUES (1, 0)");
    }

    /**
     * Commits a last row and waits until DuckDB has it: every transaction committed before it has been received
     * by then, so a row still missing is lost, not late.
     */
    private void assertNothingLost(TestingPostgres postgres, PostgresSource source, DuckDbEngine engine)
            throws Exception {
        postgres.execute("INSERT INTO hb_ledger VALUES (-1, 0)");
        assertThat(ChangeCaptureIT.poll(
                        () -> engine.read(session -> {
                            try (Statement st = session.statement();
                                    var rs = st.executeQuery("SELECT count(*) FROM public.hb_ledger WHERE id = -1")) {
                                rs.next();
                                return rs.getLong(1) == 1;
                            }
                        }),
                        Duration.ofSeconds(60)))
                .as("the last row reached DuckDB")
                .isTrue();
        List<String> diff = new ArrayList<>();
        for (String t : TABLES) {
            diff.addAll(TableComparison.differences(source, engine, t, dir));
        }
        assertThat(diff).as("rows that differ between PostgreSQL and DuckDB").isEmpty();
    }
}
