package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A source role with the timeouts production databases often set: a sync's sessions are not ended by them (the
 * idle session holding the exported snapshot was, and every later reader then failed to join the snapshot).
 */
@Timeout(180)
class SourceTimeoutsIT {
    @Test
    void aRolesStatementAndIdleInTransactionTimeoutsDoNotEndASync() throws Exception {
        try (TestingPostgres pg = TestingPostgres.start();
                DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
                JobRunner jobs = new JobRunner(1, 10)) {
            pg.execute("CREATE TABLE st_big (id bigint PRIMARY KEY, payload text,"
                    + " updated_at timestamptz NOT NULL DEFAULT now())");
            pg.execute("INSERT INTO st_big (id, payload) SELECT g, repeat(md5(g::text), 4)"
                    + " FROM generate_series(1, 1000000) g");
            pg.execute("CREATE ROLE st_limited LOGIN PASSWORD 'st_limited'");
            pg.execute("GRANT SELECT ON st_big TO st_limited");
            // each range's COPY and the exporter's idle wait take longer than these
            pg.execute("ALTER ROLE st_limited SET statement_timeout = '150ms'");
            pg.execute("ALTER ROLE st_limited SET idle_in_transaction_session_timeout = '150ms'");
            PostgresSource limited = new PostgresSource(pg.jdbcUrl(), "st_limited", "st_limited");
            TableSync sync = SyncFixtures.tableSync(engine, limited, jobs, "public.st_*", 1, 400_000);

            for (SyncMode mode : List.of(SyncMode.FULL, SyncMode.INCREMENTAL)) {
                JobSnapshot done = sync.submitAll(mode).completion().get(120, TimeUnit.SECONDS);
                assertThat(done.status())
                        .as(mode + ": "
                                + (done.error() == null ? "" : done.error().getMessage()))
                        .isEqualTo(JobStatus.SUCCEEDED);
                assertThat(count(engine)).isEqualTo(1_000_000L);
            }
        }
    }

    private static long count(DuckDbEngine engine) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM public.st_big")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
