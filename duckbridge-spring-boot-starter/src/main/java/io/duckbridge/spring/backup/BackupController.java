package io.duckbridge.spring.backup;

import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.backup.BackupValidation;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.spring.jobs.JobViews;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/backups}: create (a job), list, show, validate, restore (a job) and delete backups; list
 * and download the remote copies.
 * Thread-safe.
 */
@RestController
@RequestMapping("/api/v1/backups")
public class BackupController {
    private final BackupService backups;
    private final JobRunner jobs;
    private final BackupProperties properties;

    public BackupController(BackupService backups, JobRunner jobs, BackupProperties properties) {
        this.backups = backups;
        this.jobs = jobs;
        this.properties = properties;
    }

    /** Starts a backup job: {@code 202 {"jobId"}}, or the finished job with {@code wait=true}. */
    @PostMapping
    public ResponseEntity<Map<String, Object>> create(@RequestParam(defaultValue = "false") boolean wait) {
        return JobViews.respond(backups.submitCreate(jobs), wait, properties.restoreWait());
    }

    /** Complete backups, newest first. */
    @GetMapping
    public List<Map<String, Object>> list() {
        return backups.list().stream().map(backups::describe).toList();
    }

    /**
     * The backups in the upload target ({@code duckbridge.backup.s3-target}), newest first; 400 when none
     * is configured.
     */
    @GetMapping("/remote")
    public List<Map<String, Object>> listRemote() {
        return backups.listRemote().stream()
                .map(m -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("id", m.id());
                    view.put("createdAt", m.createdAt().toString());
                    view.put("sizeBytes", m.archiveBytes());
                    view.put("databaseBytes", m.databaseBytes());
                    view.put("tables", m.rowCounts());
                    view.put("sha256", m.sha256());
                    view.put("duckdbVersion", m.duckdbVersion());
                    view.put("local", backups.catalog().find(m.id()).isPresent());
                    return view;
                })
                .toList();
    }

    /**
     * Copies a backup from the upload target into the local backup directory (verified against its
     * manifest), after which it can be validated and restored; answers the local backup.
     */
    @PostMapping("/{id}/download")
    public Map<String, Object> download(@PathVariable String id) {
        return backups.describe(backups.download(id, JobContext.none()));
    }

    @GetMapping("/{id}")
    public Map<String, Object> show(@PathVariable String id) {
        return backups.describe(backups.get(id));
    }

    /** Validates now and answers {@code {"valid","problems"}}. */
    @PostMapping("/{id}/validate")
    public Map<String, Object> validate(@PathVariable String id) {
        BackupValidation v = backups.validate(id, JobContext.none());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", v.id());
        body.put("valid", v.valid());
        body.put("problems", v.problems());
        if (!v.notes().isEmpty()) {
            body.put("notes", v.notes());
        }
        return body;
    }

    /** Starts a restore job. */
    @PostMapping("/{id}/restore")
    public ResponseEntity<Map<String, Object>> restore(
            @PathVariable String id, @RequestParam(defaultValue = "false") boolean wait) {
        return JobViews.respond(backups.submitRestore(jobs, id), wait, properties.restoreWait());
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<Void> delete(@PathVariable String id) {
        if (!backups.delete(id)) {
            throw new DuckbridgeException(ErrorClass.NOT_FOUND, "no backup with id " + id);
        }
        return ResponseEntity.noContent().build();
    }
}
