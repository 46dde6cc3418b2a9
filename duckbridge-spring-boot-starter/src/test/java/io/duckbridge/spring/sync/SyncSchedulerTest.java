package io.duckbridge.spring.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.SyncSettings;
import io.duckbridge.core.sync.TableSync;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyncSchedulerTest {
    @TempDir
    Path dataDir;

    @Test
    void theOptimizeScheduleResortsEveryLaidOutTableAndSkipsOnesNotSyncedYet() {
        Map<TableName, TableLayout> layouts = Map.of(
                new TableName("main", "orders"), new TableLayout(List.of("id"), List.of()),
                new TableName("main", "not_synced_yet"), new TableLayout(List.of("id"), List.of()));
        SyncSettings settings = new SyncSettings(null, null, null, null, layouts);
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dataDir.resolve("a.duckdb").toString()));
                JobRunner jobs = new JobRunner(1, 10)) {
            // rows in scattered order, as incremental or CDC changes leave them
            engine.executeOnLane("CREATE TABLE orders AS SELECT (i * 7919) % 10000 AS id FROM range(10000) t(i)");
            assertThat(outOfOrder(engine)).isPositive();
            TableSync sync = new TableSync(engine, () -> null, jobs, settings);

            JobSnapshot job;
            SyncScheduler scheduler = new SyncScheduler(sync, Map.of(), "* * * * * *");
            try {
                job = await(jobs).orElseThrow(() -> new AssertionError("no scheduled optimize finished in 30 s"));
            } finally {
                scheduler.close();
            }

            assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(job.result().get("skipped")).isEqualTo(List.of("main.not_synced_yet"));
            assertThat(job.result().get("failed")).isEqualTo(List.of());
            assertThat(outOfOrder(engine)).isZero();
        }
    }

    @Test
    void refusesABadCronExpressionNamingTheKey() {
        try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"))) {
            TableSync sync = new TableSync(engine, () -> null, null, SyncSettings.defaults());
            assertThatThrownBy(() -> new SyncScheduler(sync, Map.of(), "every night"))
                    .isInstanceOf(DuckbridgeException.class)
                    .hasMessageContaining("duckbridge.sync.schedule.optimize")
                    .satisfies(e ->
                            assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST));
            assertThatThrownBy(() -> new SyncScheduler(sync, Map.of(SyncMode.FULL, "nightly"), null))
                    .isInstanceOf(DuckbridgeException.class)
                    .hasMessageContaining("duckbridge.sync.schedule.full");
        }
    }

    private static Optional<JobSnapshot> await(JobRunner jobs) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Optional<JobSnapshot> done = jobs.recent().stream()
                    .filter(j -> j.kind() == JobKind.OPTIMIZE && j.finishedAt() != null)
                    .findFirst();
            if (done.isPresent()) {
                return done;
            }
            LockSupport.parkNanos(50_000_000L); // poll interval
        }
        return Optional.empty();
    }

    /** Rows whose id is smaller than the row before them in storage order. */
    private static long outOfOrder(DuckDbEngine engine) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT id < lag(id) OVER (ORDER BY rowid)"
                            + " AS back FROM orders) WHERE back")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
