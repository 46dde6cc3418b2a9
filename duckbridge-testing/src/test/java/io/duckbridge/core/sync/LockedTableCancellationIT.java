package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.incremental.IncrementalSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.testing.TestingPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A sync whose PostgreSQL statement waits for a lock another session holds (a migration's ACCESS EXCLUSIVE) ends
 * {@code cancelled} within seconds of its cancel, while the lock is still held: its statement is cancelled in
 * PostgreSQL, the copy DuckDB had stays as it was, {@code sync_state} says the run was cancelled, and once the lock
 * is gone the next sync of the table succeeds. For a full sync through the table function and through the
 * appender, and for an incremental sync.
 */
@Timeout(120)
class LockedTableCancellationIT {
    static final int ROWS = 1_000;
    /** How long after its cancel a sync blocked on a lock may take to end. */
    static final Duration CANCEL_LIMIT = Duration.ofSeconds(5);

    static TestingPostgres pg;
    static DuckDbEngine engine;
    static JobRunner jobs;

    @BeforeAll
    static void setUp() {
        pg = TestingPostgres.start();
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
        jobs = new JobRunner(2, 20);
    }

    @AfterAll
    static void tearDown() {
        if (jobs != null) {
            jobs.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void fullSyncWaitingForALockEndsCancelledAtOnce() throws Exception {
        cancelWhileLocked("locked_full", SyncMode.FULL, new SnapshotSettings(2, 10_000));
    }

    @Test
    void fullSyncThroughTheAppenderWaitingForALockEndsCancelledAtOnce() throws Exception {
        cancelWhileLocked(
                "locked_appender",
                SyncMode.FULL,
                new SnapshotSettings(2, 10_000, true, SnapshotSettings.Ingest.APPENDER));
    }

    @Test
    void incrementalSyncWaitingForALockEndsCancelledAtOnce() throws Exception {
        cancelWhileLocked("locked_incremental", SyncMode.INCREMENTAL, new SnapshotSettings(2, 10_000));
    }

    @Test
    void aFailedCopySaysHowManyRowsItHadRead() throws Exception {
        // the last row's value overflows DuckDB's widest DECIMAL: the copy fails after reading the others
        pg.execute("CREATE TABLE overflowing (id bigint PRIMARY KEY, amount numeric);"
                + "INSERT INTO overflowing SELECT g, g FROM generate_series(1, 20000) g;"
                + "INSERT INTO overflowing VALUES (20001, 1e40); ANALYZE overflowing;");
        TableSync sync = tableSync("overflowing", new SnapshotSettings(1, 1_000_000));

        JobSnapshot failed = sync.submit(TableName.parse("public.overflowing"), SyncMode.FULL)
                .completion()
                .get(60, TimeUnit.SECONDS);

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error().errorClass()).isEqualTo(ErrorClass.CONVERSION);
        String message = failed.error().getMessage();
        assertThat(message).contains("snapshot of public.overflowing failed after ");
        long after = Long.parseLong(
                message.replaceAll("(?s).*failed after ([0-9,]+) rows.*", "$1").replace(",", ""));
        // rows are reported a chunk at a time: at most one chunk of the 20,000 read is not counted yet
        assertThat(after).isBetween(20_000L - 2_048, 20_000L);
        assertThat(failed.done()).isGreaterThanOrEqualTo(after);
    }

    private void cancelWhileLocked(String table, SyncMode mode, SnapshotSettings snapshot) throws Exception {
        pg.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, label text,"
                + " updated_at timestamptz DEFAULT now() - interval '1 hour');"
                + "INSERT INTO " + table + " (id, label) SELECT g, 'row ' || g FROM generate_series(1, " + ROWS
                + ") g; ANALYZE " + table + ";");
        TableSync sync = tableSync(table, snapshot);
        TableName name = TableName.parse("public." + table);
        sync.run(List.of(name), SyncMode.FULL, JobContext.none());
        // changes the sync would copy, were it not cancelled
        pg.execute("INSERT INTO " + table + " (id, label, updated_at) SELECT g, 'new ' || g, now()"
                + " FROM generate_series(" + (ROWS + 1) + ", " + (ROWS + 10) + ") g");

        try (Connection migration = pg.connect()) {
            migration.setAutoCommit(false);
            try (Statement st = migration.createStatement()) {
                st.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
            }
            Job job = sync.submit(name, mode);
            awaitWaitingForLock(table);
            long cancelled = System.nanoTime();
            assertThat(job.cancel())
                    .as("the job was still running when cancelled")
                    .isTrue();
            JobSnapshot ended = job.completion().get(CANCEL_LIMIT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(System.nanoTime() - cancelled).isLessThan(CANCEL_LIMIT.toNanos());
            assertThat(ended.status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(ended.error().errorClass()).isEqualTo(ErrorClass.CANCELLED);
            assertThat(waitingOnLock(table))
                    .as("no statement of the sync still waits")
                    .isZero();
            // the lock is still held: the copy DuckDB had is the one it keeps
            assertThat(count("SELECT count(*) FROM " + name.quoted())).isEqualTo(ROWS);
            assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%staging%'"))
                    .isZero();
            SyncState state = sync.states().find(name).orElseThrow();
            assertThat(state.status()).isEqualTo("cancelled");
            assertThat(state.error()).isEqualTo("job " + job.jobId() + " was cancelled");
            assertThat(state.watermark()).isNotNull();
            migration.rollback();
        }

        JobSnapshot next = sync.submit(name, mode).completion().get(60, TimeUnit.SECONDS);
        assertThat(next.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(count("SELECT count(*) FROM " + name.quoted())).isEqualTo(ROWS + 10);
        assertThat(sync.states().find(name).orElseThrow().status()).isEqualTo("succeeded");
    }

    private static TableSync tableSync(String table, SnapshotSettings snapshot) {
        return new TableSync(
                engine,
                new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                jobs,
                new SyncSettings(
                        new TableSelector(List.of("public." + table), List.of()),
                        null,
                        snapshot,
                        new IncrementalSettings("updated_at", Duration.ofMinutes(1), null, 0)));
    }

    /** Waits until a COPY of {@code table} waits for a lock in PostgreSQL. */
    private static void awaitWaitingForLock(String table) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (waitingOnLock(table) == 0) {
            assertThat(System.nanoTime())
                    .as("a COPY of %s waits for the lock", table)
                    .isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(50);
        }
        // and let it wait a while, as it would for a migration
        TimeUnit.SECONDS.sleep(1);
    }

    private static long waitingOnLock(String table) {
        return ((Number) pg.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                + " AND query LIKE 'COPY%" + table + "%'")
                        .get(0)
                        .get(0))
                .longValue();
    }

    static long count(String sql) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
