package io.duckbridge.spring.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.ForwardingJobContext;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.lake.ExportRequest;
import io.duckbridge.core.lake.Lake;
import io.duckbridge.core.lake.LakeSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
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

    @Test
    void aScheduleSkipsItsTimeWhileAnotherExportHoldsItsTarget() throws Exception {
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dataDir.resolve("a.duckdb").toString()));
                JobRunner jobs = new JobRunner(2, 100)) {
            engine.executeOnLane("CREATE TABLE t AS SELECT 1 AS x");
            Lake lake = new Lake(engine, jobs, LakeSettings.of(dataDir), null, null);
            // a long export of the schedule's target, run as a job that waits at its first cancel check
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Job held = jobs.submit(
                    JobKind.EXPORT,
                    "a long export to file:scheduled",
                    context -> lake.export(
                                    ExportRequest.ofTable("t", "file:scheduled"),
                                    new HeldAtFirstCheck(context, holding, release))
                            .toMap());
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
            try (LakeScheduler scheduler = new LakeScheduler(lake, List.of(schedule("* * * * * *")))) {
                assertThat(scheduler.size()).isEqualTo(1);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2500)); // two or three of the schedule's times
                // before: a new export every second, each failed CONFLICT beside the long one
                assertThat(jobs.recent()).extracting(JobSnapshot::id).containsExactly(held.jobId());

                release.countDown();
                JobSnapshot ended = held.completion().get(30, TimeUnit.SECONDS);
                assertThat(ended.status()).isEqualTo(JobStatus.SUCCEEDED);
                // the schedule's next time runs
                awaitJob(jobs, j -> j.createdAt().isAfter(ended.finishedAt()) && j.status() == JobStatus.SUCCEEDED);
            }
            awaitAllEnded(jobs);
            assertThat(jobs.recent()).allMatch(j -> j.status() == JobStatus.SUCCEEDED);
        }
    }

    @Test
    void aScheduleSkipsItsTimeWhileAnotherExportToItsTargetIsQueued() throws Exception {
        try (DuckDbEngine engine = DuckDbEngine.open(
                        EngineSettings.defaults(dataDir.resolve("a.duckdb").toString()));
                JobRunner jobs = new JobRunner(1, 100)) {
            engine.executeOnLane("CREATE TABLE t AS SELECT 1 AS x");
            Lake lake = new Lake(engine, jobs, LakeSettings.of(dataDir), null, null);
            // the only worker is busy: a manual export of the schedule's target waits in the queue
            CountDownLatch release = new CountDownLatch(1);
            Job busy = jobs.submit(JobKind.SYNC, "keeps the only worker", context -> {
                release.await();
                return Map.of();
            });
            Job manual = lake.submitExport(ExportRequest.ofTable("t", "file:scheduled"));
            assertThat(manual.snapshot().status()).isEqualTo(JobStatus.QUEUED);
            try (LakeScheduler scheduler = new LakeScheduler(lake, List.of(schedule("* * * * * *")))) {
                assertThat(scheduler.size()).isEqualTo(1);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2500)); // two or three of the schedule's times
                // a scheduled export queued beside the manual one would fail CONFLICT if they ever ran at once
                assertThat(jobs.recent())
                        .extracting(JobSnapshot::id)
                        .containsExactlyInAnyOrder(busy.jobId(), manual.jobId());

                release.countDown();
                JobSnapshot ended = manual.completion().get(30, TimeUnit.SECONDS);
                assertThat(ended.status()).isEqualTo(JobStatus.SUCCEEDED);
                awaitJob(jobs, j -> j.createdAt().isAfter(ended.finishedAt()) && j.status() == JobStatus.SUCCEEDED);
            }
            awaitAllEnded(jobs);
            assertThat(jobs.recent()).allMatch(j -> j.status() == JobStatus.SUCCEEDED);
        }
    }

    private static void awaitJob(JobRunner jobs, Predicate<JobSnapshot> wanted) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (jobs.recent().stream().noneMatch(wanted) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(50_000_000L); // poll interval
        }
        assertThat(jobs.recent()).anyMatch(wanted);
    }

    private static void awaitAllEnded(JobRunner jobs) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (jobs.recent().stream().anyMatch(j -> !j.status().terminal()) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(50_000_000L); // poll interval
        }
    }

    /** A job's context whose first cancel check waits until released: an export that holds its target. */
    private static final class HeldAtFirstCheck extends ForwardingJobContext {
        private final CountDownLatch holding;
        private final CountDownLatch release;

        HeldAtFirstCheck(JobContext job, CountDownLatch holding, CountDownLatch release) {
            super(job);
            this.holding = holding;
            this.release = release;
        }

        @Override
        public void checkCancelled() {
            if (holding.getCount() > 0) {
                holding.countDown();
                try {
                    if (!release.await(60, TimeUnit.SECONDS)) {
                        throw new DuckbridgeException(ErrorClass.TIMEOUT, "the test never released the export");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted while held", e);
                }
            }
            super.checkCancelled();
        }
    }
}
