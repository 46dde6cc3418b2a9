package io.duckbridge.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class JobRunnerTest {
    @Test
    void succeededJobKeepsResultAndProgress() throws Exception {
        try (var runner = new JobRunner(2, 10)) {
            Job job = runner.submit(JobKind.SYNC, "sync t", ctx -> {
                ctx.total(10, "rows");
                ctx.advance(10);
                return Map.of("rows", 10);
            });
            JobSnapshot done = job.completion().get(10, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(done.done()).isEqualTo(10);
            assertThat(done.total()).isEqualTo(10);
            assertThat(done.result()).containsEntry("rows", 10);
            assertThat(runner.get(job.jobId()).snapshot().status()).isEqualTo(JobStatus.SUCCEEDED);
        }
    }

    @Test
    void aTotalEstimatedTooLowIsNeverBelowWhatIsDone() throws Exception {
        // found by an acceptance tester: a sync read {"done":905668,"total":609498} from stale statistics
        try (var runner = new JobRunner(1, 10)) {
            CountDownLatch counted = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Job job = runner.submit(JobKind.SYNC, "sync t", ctx -> {
                ctx.total(600, "rows");
                ctx.advance(900);
                counted.countDown();
                release.await();
                return Map.of();
            });
            counted.await(10, TimeUnit.SECONDS);
            JobSnapshot running = job.snapshot();
            assertThat(running.done()).isEqualTo(900);
            assertThat(running.total()).isEqualTo(900);
            release.countDown();
            job.completion().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aJobThatCompletesOnlyOnSuccessShowsItsTotalDoneOnlyOnceItSucceeded() throws Exception {
        try (var runner = new JobRunner(2, 10)) {
            CountDownLatch counted = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            JobBody body = ctx -> {
                ctx.total(1000, "bytes");
                ctx.completeOnlyOnSuccess();
                ctx.advance(1000); // all reported, its last phase (a swap) still to come
                counted.countDown();
                release.await();
                return Map.of();
            };
            Job succeeds = runner.submit(JobKind.IMPORT, "import", body);
            Job fails = runner.submit(JobKind.RESTORE, "restore", ctx -> {
                body.run(ctx);
                throw new DuckbridgeException(ErrorClass.IO, "the swap failed");
            });
            assertThat(counted.await(10, TimeUnit.SECONDS)).isTrue();
            for (Job job : java.util.List.of(succeeds, fails)) {
                JobSnapshot running = job.snapshot();
                assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
                assertThat(running.total()).isEqualTo(1000);
                assertThat(running.done()).isEqualTo(990); // 99%, also for a client that rounds
            }
            release.countDown();
            JobSnapshot succeeded = succeeds.completion().get(10, TimeUnit.SECONDS);
            assertThat(succeeded.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(succeeded.done()).isEqualTo(succeeded.total()).isEqualTo(1000);
            JobSnapshot failed = fails.completion().get(10, TimeUnit.SECONDS);
            assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
            assertThat(failed.done()).isLessThan(failed.total());
        }
    }

    @Test
    void jobsOfOneLaneRunOneAtATimeWithoutHoldingAWorkerWhileTheyWait() throws Exception {
        // found by an acceptance tester: a sync waiting for another held one of the two workers, so an export
        // stayed queued until the first sync ended
        try (var runner = new JobRunner(2, 10)) {
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch releaseFirst = new CountDownLatch(1);
            Job first = runner.submit(JobKind.SYNC, "sync 1", "sync", ctx -> {
                firstStarted.countDown();
                releaseFirst.await();
                return Map.of();
            });
            Job cancelledWhileWaiting = runner.submit(JobKind.SYNC, "sync 2", "sync", ctx -> Map.of("ran", true));
            Job second = runner.submit(JobKind.SYNC, "sync 3", "sync", ctx -> Map.of("ran", true));
            assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();

            // the other worker is free for work of another kind
            Job export = runner.submit(JobKind.EXPORT, "export", ctx -> Map.of("ran", true));
            assertThat(export.completion().get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(second.snapshot().status()).isEqualTo(JobStatus.QUEUED);

            assertThat(cancelledWhileWaiting.cancel()).isTrue();
            assertThat(cancelledWhileWaiting.snapshot().status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(second.snapshot().status()).isEqualTo(JobStatus.QUEUED);

            releaseFirst.countDown();
            assertThat(first.completion().get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(second.completion().get(10, TimeUnit.SECONDS).result()).containsEntry("ran", true);
            assertThat(cancelledWhileWaiting.completion().get().result()).isNull();
        }
    }

    @Test
    void aLaneJobCancelledBeforeAWorkerTookItFreesTheLane() throws Exception {
        try (var runner = new JobRunner(1, 10)) {
            CountDownLatch release = new CountDownLatch(1);
            Job blocker = runner.submit(JobKind.EXPORT, "export", ctx -> {
                release.await();
                return Map.of();
            });
            // handed to the executor at once (its lane is free), but the only worker is busy
            Job handedOver = runner.submit(JobKind.SYNC, "sync 1", "sync", ctx -> Map.of());
            Job next = runner.submit(JobKind.SYNC, "sync 2", "sync", ctx -> Map.of("ran", true));
            assertThat(handedOver.cancel()).isTrue();
            release.countDown();
            assertThat(blocker.completion().get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(next.completion().get(10, TimeUnit.SECONDS).result()).containsEntry("ran", true);
        }
    }

    @Test
    void failedJobCarriesTheErrorClass() throws Exception {
        try (var runner = new JobRunner(1, 10)) {
            Job job = runner.submit(JobKind.EXPORT, "x", ctx -> {
                throw new DuckbridgeException(ErrorClass.IO, "disk full");
            });
            JobSnapshot done = job.completion().get(10, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(JobStatus.FAILED);
            assertThat(done.error().errorClass()).isEqualTo(ErrorClass.IO);
            // it failed before counting anything: the total is unknown, the unit still the export's first phase's
            assertThat(done.total()).isEqualTo(-1);
            assertThat(done.unit()).isEqualTo("percent");
        }
    }

    @Test
    void aJobThatEndsInAnIoErrorAfterItWasCancelledIsCancelled() throws Exception {
        try (var runner = new JobRunner(1, 10)) {
            CountDownLatch started = new CountDownLatch(1);
            Job job = runner.submit(JobKind.EXPORT, "x", ctx -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    // as a file channel does: the interrupt surfaces as an I/O error of the work
                    throw new DuckbridgeException(
                            ErrorClass.IO, "cannot read the staged file: ClosedByInterruptException", e);
                }
                return Map.of();
            });
            started.await();
            assertThat(job.cancel()).isTrue();
            JobSnapshot done = job.completion().get(10, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(done.error().errorClass()).isEqualTo(ErrorClass.CANCELLED);
        }
    }

    @Test
    void aFailedJobIsLoggedWithItsIdClassAndMessage() throws Exception {
        // slf4j-simple (the tests' logger) writes to whatever System.err is at the time
        var err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        String id;
        try (var runner = new JobRunner(1, 10)) {
            Job job = runner.submit(JobKind.BACKUP, "backup to s3://b/p", ctx -> {
                throw new DuckbridgeException(ErrorClass.SOURCE_UNAVAILABLE, "the storage endpoint cannot be reached");
            });
            job.completion().get(10, TimeUnit.SECONDS);
            id = job.jobId();
        } finally {
            System.setErr(original);
        }
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
                .containsPattern("WARN .*job " + id + " \\(BACKUP: backup to s3://b/p\\) failed: SOURCE_UNAVAILABLE:"
                        + " the storage endpoint cannot be reached");
    }

    @Test
    void cancellingARunningJobEndsItCancelled() throws Exception {
        try (var runner = new JobRunner(1, 10)) {
            CountDownLatch started = new CountDownLatch(1);
            Job job = runner.submit(JobKind.BACKUP, "x", ctx -> {
                started.countDown();
                new CountDownLatch(1).await(); // waits until interrupted by cancel
                return Map.of();
            });
            started.await();
            assertThat(job.cancel()).isTrue();
            assertThat(job.completion().get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);
        }
    }

    @Test
    void cancelActionsStopWorkTheInterruptDoesNotReach() throws Exception {
        try (var runner = new JobRunner(1, 10)) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch blocked = new CountDownLatch(1); // stands for a socket read the interrupt does not end
            AtomicInteger removedRuns = new AtomicInteger();
            Job job = runner.submit(JobKind.SYNC, "x", ctx -> {
                ctx.onCancel(removedRuns::incrementAndGet).close();
                JobContext.Registration registration = ctx.onCancel(blocked::countDown);
                try {
                    started.countDown();
                    while (!blocked.await(10, TimeUnit.MILLISECONDS)) {
                        Thread.interrupted(); // the interrupt alone does not end this wait
                    }
                } finally {
                    registration.close();
                }
                ctx.checkCancelled();
                return Map.of();
            });
            started.await();
            assertThat(job.cancel()).isTrue();
            assertThat(job.completion().get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(removedRuns).hasValue(0);

            // registered after the cancel: runs at once
            CountDownLatch late = new CountDownLatch(1);
            job.onCancel(late::countDown).close();
            assertThat(late.getCount()).isZero();
        }
    }

    @Test
    void closingLetsRunningJobsFinishWithinTheGraceAndCancelsTheQueuedAndTheOverdue() throws Exception {
        var runner = new JobRunner(1, 10, java.time.Duration.ofSeconds(5));
        CountDownLatch started = new CountDownLatch(1);
        Job nearlyDone = runner.submit(JobKind.SYNC, "finishes during shutdown", ctx -> {
            started.countDown();
            Thread.sleep(300);
            return Map.of("rows", 3);
        });
        Job queued = runner.submit(JobKind.SYNC, "never started", ctx -> Map.of());
        started.await();
        runner.close();
        assertThat(nearlyDone.completion().get(1, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(queued.completion().get(1, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);

        var impatient = new JobRunner(1, 10, java.time.Duration.ofMillis(200));
        CountDownLatch running = new CountDownLatch(1);
        Job endless = impatient.submit(JobKind.BACKUP, "outlives the grace", ctx -> {
            running.countDown();
            new CountDownLatch(1).await(); // waits until interrupted by the cancel
            return Map.of();
        });
        running.await();
        long start = System.nanoTime();
        impatient.close();
        assertThat(endless.completion().get(5, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(150L, 5_000L);
    }

    @Test
    void finishedJobsBeyondTheRetainedCountAreForgottenWhenTheyEnd() throws Exception {
        // found by an acceptance tester: with retained=3 the list held 6 finished jobs (pruned only on submit)
        try (var runner = new JobRunner(1, 1)) {
            Job first = runner.submit(JobKind.SYNC, "first", ctx -> Map.of());
            first.completion().get(10, TimeUnit.SECONDS);
            Job second = runner.submit(JobKind.SYNC, "second", ctx -> Map.of());
            second.completion().get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (runner.recent().size() > 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(runner.recent()).extracting(JobSnapshot::id).containsExactly(second.jobId());
        }
    }

    @Test
    void unknownJobIsNotFound() {
        try (var runner = new JobRunner(1, 10)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> runner.get("nope"))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
        }
    }
}
