package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.engine.LeftoverTables;
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
 * A sync job cancelled while it copies ends CANCELLED, keeps the live copy it started from and no staging table,
 * and its progress still says how far it got out of the estimate it started with; staging tables a killed sync
 * left behind are dropped when the next TableSync is created.
 */
@Timeout(180)
class SyncCancellationIT {
    static final long ROWS = 2_000_000;
    static TestingPostgres pg;
    static DuckDbEngine engine;
    static JobRunner jobs;
    static TableSync sync;

    @BeforeAll
    static void setUp() {
        pg = TestingPostgres.start();
        pg.execute("CREATE TABLE big (id bigint PRIMARY KEY, label text, updated_at timestamptz DEFAULT now());"
                + "INSERT INTO big (id, label) SELECT g, 'row ' || g FROM generate_series(1, " + ROWS + ") g;"
                + "ANALYZE big;");
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
        jobs = new JobRunner(1, 10);
        sync = newSync(jobs);
        sync.run(null, SyncMode.FULL, JobContext.none());
    }

    static TableSync newSync(JobRunner runner) {
        return new TableSync(
                engine,
                new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                runner,
                new SyncSettings(
                        new TableSelector(List.of("public.big"), List.of()),
                        null,
                        new SnapshotSettings(2, 10_000),
                        new IncrementalSettings("updated_at", Duration.ofMinutes(1), null, 0)));
    }

    @Test
    void dropsStagingTablesAKilledSyncLeftBehind() {
        // a load of this process (a CDC snapshot, say) that is running while the TableSync is created
        String running = "__duckbridge_staging_" + LeftoverTables.newRunId() + "_0";
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE public.__duckbridge_staging_0123456789ab_0 AS SELECT 1 AS id");
                st.execute("CREATE SCHEMA IF NOT EXISTS duckbridge_staging");
                st.execute("CREATE TABLE duckbridge_staging.i_0123456789ab_keys AS SELECT 1 AS id");
                st.execute("CREATE TABLE public." + running + " AS SELECT 1 AS id");
            }
            return null;
        });

        newSync(null);

        assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE (table_name LIKE '%staging%'"
                        + " OR schema_name = 'duckbridge_staging') AND table_name <> '" + running + "'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM " + running)).isEqualTo(1);
        engine.write(session -> session.statement().execute("DROP TABLE " + running));
        assertThat(count("SELECT count(*) FROM big")).isPositive();
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
    void cancelledFullSyncKeepsTheLiveCopyAndItsProgress() throws Exception {
        pg.execute("DELETE FROM big WHERE id <= 1000");
        Job job = sync.submit(TableName.parse("public.big"), SyncMode.FULL);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (job.snapshot().done() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(job.cancel()).as("the job was still running when cancelled").isTrue();
        JobSnapshot finished = job.completion().get(60, TimeUnit.SECONDS);

        assertThat(finished.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(finished.error().errorClass()).isEqualTo(ErrorClass.CANCELLED);
        // the total is still the estimate the job started with, not zero rows "copied"
        assertThat(finished.total()).isGreaterThanOrEqualTo(ROWS / 2);
        assertThat(finished.done()).isPositive().isLessThanOrEqualTo(finished.total());
        assertThat(count("SELECT count(*) FROM big")).isEqualTo(ROWS);
        assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%staging%'"))
                .isZero();

        // and the next sync of the same table runs to the end
        Job again = sync.submit(TableName.parse("public.big"), SyncMode.FULL);
        JobSnapshot done = again.completion().get(120, TimeUnit.SECONDS);
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.total()).isEqualTo(done.done()).isEqualTo(ROWS - 1000);
        assertThat(count("SELECT count(*) FROM big")).isEqualTo(ROWS - 1000);
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
