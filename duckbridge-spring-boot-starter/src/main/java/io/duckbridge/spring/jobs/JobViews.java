package io.duckbridge.spring.jobs;

import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.spring.web.ProblemResponses;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/**
 * The JSON shape of a job in the HTTP contract, and the {@code wait} semantics every job-starting
 * endpoint shares: {@code 202 {"jobId"}} at once, or {@code 200} with the finished job (a failed one is its
 * error's problem+json, with the job's fields). Thread-safe.
 */
public final class JobViews {
    private JobViews() {}

    /** {@code {"id","kind","status","progress":{"done","total","unit"},"startedAt","finishedAt","result","error"}}. */
    public static Map<String, Object> view(JobSnapshot s) {
        Map<String, Object> progress = new LinkedHashMap<>();
        progress.put("done", s.done());
        progress.put("total", s.total() < 0 ? null : s.total());
        progress.put("unit", s.unit());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", s.id());
        view.put("kind", s.kind().wireName());
        view.put("description", s.description());
        view.put("status", s.status().wireName());
        view.put("progress", progress);
        view.put("createdAt", s.createdAt());
        view.put("startedAt", s.startedAt());
        view.put("finishedAt", s.finishedAt());
        view.put("result", s.result());
        view.put("error", s.error() == null ? null : ProblemResponses.problem(s.error()));
        return view;
    }

    /**
     * The response for a job just submitted: {@code 202 {"jobId"}}, or when {@code wait} is true the
     * finished job with {@code 200}; a job that failed answers its error's status and problem+json
     * ({@link #failed}), with {@code Retry-After} where the class calls for one.
     */
    public static ResponseEntity<Map<String, Object>> respond(Job job, boolean wait, Duration maxWait) {
        if (!wait) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("jobId", job.jobId());
            body.put("status", job.snapshot().status().wireName());
            return ResponseEntity.status(HttpStatus.ACCEPTED)
                    .header("Location", "/api/v1/jobs/" + job.jobId())
                    .body(body);
        }
        JobSnapshot done;
        try {
            done = job.completion().get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = job.snapshot();
        } catch (ExecutionException | TimeoutException e) {
            done = job.snapshot();
        }
        if (done.status() == JobStatus.FAILED && done.error() != null) {
            return ProblemResponses.responseFor(done.error()).body(failed(done));
        }
        if (done.status().terminal()) {
            return ResponseEntity.ok(view(done));
        }
        // still running at the end of the wait: the 202 of a job submitted without waiting ({"jobId", "status"}
        // and Location), with the rest of the job document beside it
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jobId", done.id());
        body.putAll(view(done));
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .header("Location", "/api/v1/jobs/" + done.id())
                .body(body);
    }

    /**
     * A failed job as the problem+json body of its error (type, title, status, detail, errorClass), with the job
     * beside it: {@code jobId}, {@code jobStatus} ({@code failed}) and the job's other fields, {@code error}
     * included, so what reads a job finds it where {@code GET /api/v1/jobs/{id}} puts it.
     */
    public static Map<String, Object> failed(JobSnapshot done) {
        Map<String, Object> body = ProblemResponses.fields(done.error());
        body.put("jobId", done.id());
        Map<String, Object> job = view(done);
        job.put("jobStatus", job.remove("status"));
        job.forEach(body::putIfAbsent);
        return body;
    }
}
