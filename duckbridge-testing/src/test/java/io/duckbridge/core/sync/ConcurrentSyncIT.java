package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two syncs of one table at once: the copy that stays is the newer one, whichever job started first (found by an
 * acceptance tester: a sync of every table that began first and finished last put an older value back).
 */
@Timeout(180)
class ConcurrentSyncIT {
    @Test
    void aSyncThatStartsLaterIsNeverOverwrittenByAnOlderOne() throws Exception {
        try (TestingPostgres pg = TestingPostgres.start();
                DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
                JobRunner jobs = new JobRunner(2, 10)) {
            pg.execute("CREATE TABLE cc_acct (id int PRIMARY KEY, bal int, updated_at timestamptz DEFAULT now())");
            pg.execute("INSERT INTO cc_acct (id, bal) VALUES (1, 1054)");
            pg.execute("CREATE TABLE cc_big (id bigint PRIMARY KEY, payload text)");
            pg.execute("INSERT INTO cc_big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 1500000) g");
            TableSync sync = SyncFixtures.tableSync(
                    engine,
                    new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                    jobs,
                    "public.cc_*",
                    1,
                    100_000);

            // a long sync of every table (one snapshot, taken at its start) ...
            Job all = sync.submitAll(SyncMode.FULL);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (all.snapshot().status() != JobStatus.RUNNING && System.nanoTime() < deadline) {
                Thread.sleep(10); // polling a job's state with a deadline
            }
            Thread.sleep(500); // its snapshot is taken by now; it copies cc_big for seconds
            // ... then a change, and a short sync of the changed table
            pg.execute("UPDATE cc_acct SET bal = 7777, updated_at = now() WHERE id = 1");
            Job one = sync.submit(TableName.parse("public.cc_acct"), SyncMode.FULL);

            assertThat(one.completion().get(120, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(all.completion().get(120, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(balance(engine)).isEqualTo(7777);

            // an incremental run started later wins over an earlier full one as well
            Job full = sync.submitAll(SyncMode.FULL);
            Thread.sleep(500);
            pg.execute("UPDATE cc_acct SET bal = 8888, updated_at = now() WHERE id = 1");
            Job incremental = sync.submit(TableName.parse("public.cc_acct"), SyncMode.INCREMENTAL);
            assertThat(incremental.completion().get(120, TimeUnit.SECONDS).status())
                    .isEqualTo(JobStatus.SUCCEEDED);
            assertThat(full.completion().get(120, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(balance(engine)).isEqualTo(8888);
        }
    }

    private static long balance(DuckDbEngine engine) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT bal FROM public.cc_acct WHERE id = 1")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
