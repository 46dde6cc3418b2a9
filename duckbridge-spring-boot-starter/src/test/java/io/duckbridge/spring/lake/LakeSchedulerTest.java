package io.duckbridge.spring.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.lake.Lake;
import io.duckbridge.core.lake.LakeSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LakeSchedulerTest {
    @TempDir
    Path dataDir;

    static LakeProperties.Schedule schedule(String cron) {
        return new LakeProperties.Schedule(
                cron, "t", null, "file:scheduled", List.of(), List.of(), null, null, null, null, "overwrite");
    }

    @Test
    void runsExportsOnTheirCronSchedule() {
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dataDir.resolve("a.duckdb").toString()));
                JobRunner jobs = new JobRunner(1, 10)) {
            engine.executeOnLane("CREATE TABLE t AS SELECT 1 AS x");
            Lake lake = new Lake(engine, jobs, LakeSettings.of(dataDir), null, null);
            try (LakeScheduler scheduler = new LakeScheduler(lake, List.of(schedule("* * * * * *")))) {
                assertThat(scheduler.size()).isEqualTo(1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (jobs.recent().stream()
                                .noneMatch(j -> j.kind() == JobKind.EXPORT && j.status() == JobStatus.SUCCEEDED)
                        && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(50_000_000L); // poll interval
                }
            }
            assertThat(jobs.recent()).anyMatch(j -> j.kind() == JobKind.EXPORT && j.status() == JobStatus.SUCCEEDED);
            assertThat(dataDir.resolve("exports/scheduled/_latest.json")).exists();
        }
    }

    @Test
    void refusesABadCronExpressionAtStartup() {
        try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"))) {
            Lake lake = new Lake(engine, null, LakeSettings.of(dataDir), null, null);
            assertThatThrownBy(() -> new LakeScheduler(lake, List.of(schedule("every night"))))
                    .isInstanceOf(DuckbridgeException.class)
                    .hasMessageContaining("duckbridge.lake.schedules[0].cron");
            // a schedule without a cron once made every lake schedule be ignored without a word
            assertThatThrownBy(() -> new LakeScheduler(lake, List.of(schedule(null), schedule("0 0 2 * * *"))))
                    .isInstanceOf(DuckbridgeException.class)
                    .hasMessageContaining("duckbridge.lake.schedules[0].cron is missing");
            assertThatThrownBy(() -> new LakeScheduler(
                            lake,
                            List.of(new LakeProperties.Schedule(
                                    "0 0 2 * * *",
                                    null,
                                    null,
                                    "file:x",
                                    List.of(),
                                    List.of(),
                                    null,
                                    null,
                                    null,
                                    null,
                                    "overwrite"))))
                    .isInstanceOf(DuckbridgeException.class)
                    .hasMessageStartingWith("duckbridge.lake.schedules[0]");
        }
    }

    @Test
    void aScheduleSkipsItsTimeWhileItsLastExportStillRuns() {
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dataDir.resolve("a.duckdb").toString()));
                JobRunner jobs = new JobRunner(2, 100)) {
            // an export that takes longer than the schedule's one second
            engine.executeOnLane("CREATE TABLE t AS SELECT i, md5(i::VARCHAR) AS h FROM range(8000000) r(i)");
            Lake lake = new Lake(engine, jobs, LakeSettings.of(dataDir), null, null);
            try (LakeScheduler scheduler = new LakeScheduler(lake, List.of(schedule("* * * * * *")))) {
                assertThat(scheduler.size()).isEqualTo(1);
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (jobs.recent().stream().anyMatch(j -> !j.status().terminal()) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(50_000_000L); // poll interval
            }
            // before: a new export every second, which failed CONFLICT beside the running one
            assertThat(jobs.recent()).isNotEmpty().allMatch(j -> j.status() == JobStatus.SUCCEEDED);
            assertThat(dataDir.resolve("exports/scheduled/_latest.json")).exists();
        }
    }
}
