package io.duckbridge.spring.jobs;

import io.duckbridge.core.jobs.JobRunner;
import java.util.List;
import java.util.Map;
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
        return JobViews.view(job.snapshot());
    }
}
