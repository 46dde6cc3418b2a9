package io.duckbridge.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
    void failedJobCarriesTheErrorClass() throws Exception {
        try (var runner = new JobRunner(1, 10)) {
            Job job = runner.submit(JobKind.EXPORT, "x", ctx -> {
                throw new DuckbridgeException(ErrorClass.IO, "disk full");
            });
            JobSnapshot done = job.completion().get(10, TimeUnit.SECONDS);
            assertThat(done.status()).isEqualTo(JobStatus.FAILED);
            assertThat(done.error().errorClass()).isEqualTo(ErrorClass.IO);
            // it failed before counting anything: the total is unknown, the unit still the export's
            assertThat(done.total()).isEqualTo(-1);
            assertThat(done.unit()).isEqualTo("bytes");
        }
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
    void unknownJobIsNotFound() {
        try (var runner = new JobRunner(1, 10)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> runner.get("nope"))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
        }
    }
}
