package io.duckbridge.spring.sync;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.TableSync;
import io.duckbridge.spring.jobs.JobViews;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Tables and sync endpoints: {@code GET /api/v1/tables}, {@code GET|DELETE /api/v1/tables/{table}},
 * {@code POST /api/v1/sync/{table}}, {@code POST /api/v1/sync}, and the seed-compatible
 * {@code POST /analytics/sync/{model_name}}. Failures are thrown as {@link DuckbridgeException} and become
 * problem+json. Thread-safe.
 */
@RestController
public class SyncController {
    private final TableSync sync;
    private final Duration waitTimeout;

    public SyncController(TableSync sync, SyncProperties properties) {
        this.sync = sync;
        this.waitTimeout = properties.waitTimeout();
    }

    @GetMapping("/api/v1/tables")
    public List<Map<String, Object>> tables() {
        return sync.listTables();
    }

    @GetMapping("/api/v1/tables/{table}")
    public Map<String, Object> table(@PathVariable String table) {
        return onTable(table, sync::describe);
    }

    /**
     * Drops DuckDB's copy of a table (one that left PostgreSQL, or one an import created) with its sync state;
     * PostgreSQL is not touched. 200 with {@code table} and the {@code rows} it held.
     */
    @DeleteMapping("/api/v1/tables/{table}")
    public Map<String, Object> drop(@PathVariable String table) {
        TableName name = TableName.parse(table);
        TableName inMain = new TableName("main", name.name());
        if (unqualified(table, name) && sync.exists(name) && sync.exists(inMain)) {
            // a query's unqualified name reads main's, the sync API's means public's: a drop must not guess
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "both " + name + " and " + inMain + " exist; name the one to drop, e.g. DELETE /api/v1/tables/"
                            + name);
        }
        return onTable(table, sync::drop);
    }

    /** Runs {@code action} on the named table: an unqualified name is public's table, else main's (API.md). */
    private static <T> T onTable(String table, Function<TableName, T> action) {
        TableName name = TableName.parse(table);
        try {
            return action.apply(name);
        } catch (DuckbridgeException e) {
            // an unqualified name means public (API.md); a table imported or created without a schema is in main
            if (e.errorClass() != ErrorClass.NOT_FOUND || !unqualified(table, name)) {
                throw e;
            }
            try {
                return action.apply(new TableName("main", name.name()));
            } catch (DuckbridgeException alsoMissing) {
                if (alsoMissing.errorClass() != ErrorClass.NOT_FOUND) {
                    throw alsoMissing;
                }
                throw e;
            }
        }
    }

    private static boolean unqualified(String text, TableName parsed) {
        try {
            return TableName.parse("public." + text).equals(parsed);
        } catch (DuckbridgeException e) {
            return false;
        }
    }

    @PostMapping("/api/v1/sync/{table}")
    public ResponseEntity<Map<String, Object>> syncTable(
            @PathVariable String table,
            @RequestParam(defaultValue = "full") String mode,
            @RequestParam(defaultValue = "false") boolean wait) {
        Job job = sync.submit(TableName.parse(table), SyncMode.parse(mode));
        return JobViews.respond(job, wait, waitTimeout);
    }

    /** Re-sorts the live copy of {@code table} by its configured layout and recreates its indexes (a job). */
    @PostMapping("/api/v1/tables/{table}/optimize")
    public ResponseEntity<Map<String, Object>> optimize(
            @PathVariable String table, @RequestParam(defaultValue = "false") boolean wait) {
        Job job = sync.submitOptimize(TableName.parse(table));
        return JobViews.respond(job, wait, waitTimeout);
    }

    @PostMapping("/api/v1/sync")
    public ResponseEntity<Map<String, Object>> syncAll(
            @RequestParam(defaultValue = "full") String mode,
            @RequestParam(defaultValue = "false") boolean wait,
            @RequestParam(name = "table", required = false) List<String> tables) {
        // ?table=a&table=b: one job, and for a full sync one snapshot, over those tables only
        Job job = sync.submit(
                tables == null || tables.isEmpty()
                        ? null
                        : tables.stream().map(TableName::parse).toList(),
                SyncMode.parse(mode));
        return JobViews.respond(job, wait, waitTimeout);
    }

    /** Seed-compatible: runs the sync and answers {@code {"status":"sync_completed","model","rows"}}. */
    @PostMapping("/analytics/sync/{model_name}")
    public Map<String, Object> syncModel(
            @PathVariable("model_name") String model, @RequestParam(defaultValue = "false") boolean incremental)
            throws InterruptedException {
        Job job = sync.submit(TableName.parse(model), incremental ? SyncMode.INCREMENTAL : SyncMode.FULL);
        JobSnapshot done;
        try {
            done = job.completion().get(waitTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new DuckbridgeException(
                    io.duckbridge.core.error.ErrorClass.TIMEOUT,
                    "the sync of " + model + " did not finish within " + waitTimeout + "; follow job " + job.jobId(),
                    e);
        }
        if (done.status() != JobStatus.SUCCEEDED) {
            throw done.error() != null
                    ? done.error()
                    : new DuckbridgeException(
                            io.duckbridge.core.error.ErrorClass.INTERNAL,
                            "the sync ended " + done.status().wireName());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "sync_completed");
        body.put("model", model);
        body.put("rows", done.result().get("rows"));
        return body;
    }
}
