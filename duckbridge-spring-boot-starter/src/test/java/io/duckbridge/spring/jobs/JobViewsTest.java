package io.duckbridge.spring.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.ResponseEntity;

@Timeout(30)
class JobViewsTest {
    @Test
    void aJobStillRunningAtTheEndOfTheWaitAnswersTheAcceptedShapeWithItsLocation() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (JobRunner jobs = new JobRunner(1, 10)) {
            Job job = jobs.submit(JobKind.EXPORT, "a long export", context -> {
                release.await(20, TimeUnit.SECONDS);
                return Map.of();
            });
            ResponseEntity<Map<String, Object>> waited = JobViews.respond(job, true, Duration.ofMillis(200));
            release.countDown();
            // as without wait=true: 202 {"jobId", "status"} and Location, plus the job document beside them
            assertThat(waited.getStatusCode().value()).isEqualTo(202);
            assertThat(waited.getHeaders().getFirst("Location")).isEqualTo("/api/v1/jobs/" + job.jobId());
            assertThat(waited.getBody())
                    .containsEntry("jobId", job.jobId())
                    .containsEntry("kind", "export")
                    .containsKey("progress");
            assertThat(waited.getBody().get("status")).isIn("queued", "running");
        }
    }
}
