package io.duckbridge.spring.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.lake.Lake;
import io.duckbridge.spring.jobs.JobViews;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/exports} and {@code POST /api/v1/imports}: start an export or import job and answer
 * {@code 202 {"jobId"}}, or with {@code wait=true} the finished job. Thread-safe.
 */
@RestController
public class LakeController {
    private static final Duration MAX_WAIT = Duration.ofHours(1);

    private final Lake lake;

    public LakeController(Lake lake) {
        this.lake = lake;
    }

    @PostMapping("/api/v1/exports")
    public ResponseEntity<Map<String, Object>> export(
            @RequestBody(required = false) ExportBody body, @RequestParam(defaultValue = "false") boolean wait) {
        if (body == null) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "the request needs a JSON body with a target");
        }
        return JobViews.respond(lake.submitExport(body.toRequest()), wait, MAX_WAIT);
    }

    @PostMapping("/api/v1/imports")
    public ResponseEntity<Map<String, Object>> importParquet(
            @RequestBody(required = false) ImportBody body, @RequestParam(defaultValue = "false") boolean wait) {
        if (body == null) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "the request needs a JSON body with a source");
        }
        return JobViews.respond(lake.submitImport(body.toRequest()), wait, MAX_WAIT);
    }
}
