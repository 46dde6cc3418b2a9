package io.duckbridge.spring.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts change data capture with the application when {@code duckbridge.cdc.enabled=true}, and stops it
 * (keeping the slot) on shutdown. A start refused because PostgreSQL could not be reached (it was down when the
 * service started) is tried again every {@code retryEvery} until it succeeds, CDC is stopped on purpose or the
 * application stops; a start refused for another reason (a table without a key, say) waits for a person (fix,
 * then {@code POST /api/v1/cdc/start}). Thread-safe.
 */
final class CdcAutoStart implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(CdcAutoStart.class);

    private final ChangeCapture capture;
    private final boolean enabled;
    private final Duration retryEvery;
    private volatile boolean started;
    private volatile ScheduledExecutorService retries;

    CdcAutoStart(ChangeCapture capture, boolean enabled, Duration retryEvery) {
        this.capture = capture;
        this.enabled = enabled;
        this.retryEvery = retryEvery;
    }

    @Override
    public void start() {
        started = true;
        if (enabled) {
            tryStart(false);
        }
    }

    private void tryStart(boolean retry) {
        try {
            capture.start();
            if (retry) {
                log.info("change data capture started: PostgreSQL is reachable again");
            }
        } catch (DuckbridgeException e) {
            if (e.errorClass() == ErrorClass.SOURCE_UNAVAILABLE && started) {
                if (!retry) {
                    log.error(
                            "change data capture did not start: {}; trying again every {} s",
                            e.getMessage(),
                            retryEvery.toSeconds());
                }
                schedule();
            } else {
                // the service stays up to serve queries; GET /api/v1/cdc shows why CDC is not running
                log.error("change data capture did not start: {}", e.getMessage());
            }
        } catch (RuntimeException e) {
            log.error("change data capture did not start: {}", e.getMessage());
        }
    }

    private synchronized void schedule() {
        if (!started) {
            return;
        }
        if (retries == null) {
            retries = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "duckbridge-cdc-start");
                t.setDaemon(true);
                return t;
            });
        }
        retries.schedule(this::retry, retryEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void retry() {
        // stopped on purpose meanwhile (POST /api/v1/cdc/stop clears the refusal), started by hand, or shut down
        if (!started || capture.startRefusal() == null) {
            return;
        }
        tryStart(true);
    }

    @Override
    public void stop() {
        started = false;
        synchronized (this) {
            if (retries != null) {
                retries.shutdownNow();
                retries = null;
            }
        }
        capture.stop();
    }

    @Override
    public boolean isRunning() {
        return started;
    }
}
