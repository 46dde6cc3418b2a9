package io.duckbridge.spring.jobs;

import io.duckbridge.core.jobs.JobRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/jobs}: list, show and cancel long operations. Thread-safe. */
@RestController
@RequestMapping("/api/v1/jobs")
public class JobController {
    private final JobRunner jobs;

    public JobController(JobRunner jobs) {
        this.jobs = jobs;
    }

    @GetMapping
    public List<Map<String, Object>> list() {
        return jobs.recent().stream().map(JobViews::view).toList();
    }

    @GetMapping("/{id}")
    public Map<String, Object> show(@PathVariable String id) {
        return JobViews.view(jobs.get(id).snapshot());
    }

    @DeleteMapping("/{id}")
    public Map<String, Object> cancel(@PathVariable String id) {
        var job = jobs.get(id);
        job.cancel();
        // a running job stops at its next check (a cancelled PostgreSQL statement, DuckDB's interrupt): the answer
        // waits briefly for that, so it shows the job cancelled rather than still running
        try {
            return JobViews.view(job.completion().get(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // still stopping: the job's own status says so, and GET shows the end
        }
        return JobViews.view(job.snapshot());
    }

    /** How long a cancel waits for the job to end before answering. */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(5);
}
