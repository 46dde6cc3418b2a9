package io.duckbridge.spring.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.sync.cdc.CdcStatus;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/cdc}: the status of change data capture, and starting, stopping and resetting it. Stopping
 * keeps the slot, so a later start continues where it stopped; resetting drops it, so a later start copies
 * every table again. Thread-safe.
 */
@RestController
@RequestMapping("/api/v1/cdc")
public class CdcController {
    private final ObjectProvider<ChangeCapture> capture;

    public CdcController(ObjectProvider<ChangeCapture> capture) {
        this.capture = capture;
    }

    @GetMapping
    public CdcStatus status() {
        return capture().status();
    }

    @PostMapping("/start")
    public CdcStatus start() {
        ChangeCapture cdc = capture();
        cdc.start();
        return cdc.status();
    }

    @PostMapping("/stop")
    public CdcStatus stop() {
        ChangeCapture cdc = capture();
        cdc.stop();
        return cdc.status();
    }

    /**
     * Stops CDC and drops its replication slot and publication and the position it stored; the DuckDB tables
     * stay. The next start copies every captured table again from a new slot's snapshot: the way out when a
     * table can no longer be applied (its DuckDB types must change) or the stored position is of no use.
     */
    @PostMapping("/reset")
    public CdcStatus reset() {
        ChangeCapture cdc = capture();
        cdc.disable();
        return cdc.status();
    }

    private ChangeCapture capture() {
        ChangeCapture cdc = capture.getIfAvailable();
        if (cdc == null) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "change data capture needs a source PostgreSQL: set duckbridge.postgres.url");
        }
        return cdc;
    }
}
