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
 * {@code /api/v1/cdc}: the status of change data capture, and starting and stopping it. Stopping keeps
 * the slot, so a later start continues where it stopped. Thread-safe.
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
