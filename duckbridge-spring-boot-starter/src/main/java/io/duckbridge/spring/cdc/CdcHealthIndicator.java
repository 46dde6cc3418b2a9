package io.duckbridge.spring.cdc;

import io.duckbridge.core.sync.cdc.CdcState;
import io.duckbridge.core.sync.cdc.CdcStatus;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import java.time.Duration;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code cdc} health component: {@code UP} while streaming within the lag threshold (or when CDC is
 * stopped), {@code DEGRADED} when the lag passes the threshold, PostgreSQL is being reconnected or a table
 * was set aside (state {@code failed}, listed under {@code failedTables}) while the others stream, and
 * {@code DOWN} when CDC failed (e.g. its slot was dropped). {@code DEGRADED} is not part of the default
 * status order, so it shows on the component without failing the overall health. Thread-safe.
 */
public class CdcHealthIndicator extends AbstractHealthIndicator {
    /** Lag above the threshold, or reconnecting. */
    public static final Status DEGRADED = new Status("DEGRADED");

    private final ChangeCapture capture;
    private final Duration lagThreshold;

    public CdcHealthIndicator(ChangeCapture capture, Duration lagThreshold) {
        super("CDC health check failed");
        this.capture = capture;
        this.lagThreshold = lagThreshold;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        CdcStatus s = capture.status();
        builder.withDetail("state", s.state().name())
                .withDetail("slot", s.slot())
                .withDetail("lagBytes", s.lagBytes())
                .withDetail("lagSeconds", s.lagSeconds())
                .withDetail("lagThresholdSeconds", lagThreshold.toSeconds());
        if (s.confirmedLsn() != null) {
            builder.withDetail("confirmedLsn", s.confirmedLsn());
        }
        if (s.lastError() != null) {
            builder.withDetail("lastError", s.lastError());
        }
        java.util.Map<String, String> failedTables = new java.util.LinkedHashMap<>();
        for (CdcStatus.TableStatus t : s.tables()) {
            if ("failed".equals(t.state())) {
                failedTables.put(t.table(), t.error());
            }
        }
        if (!failedTables.isEmpty()) {
            builder.withDetail("failedTables", failedTables);
        }
        if (s.state() == CdcState.FAILED) {
            builder.down();
        } else if (s.state() == CdcState.RECONNECTING
                || !failedTables.isEmpty()
                || s.lagSeconds() > lagThreshold.toMillis() / 1000.0) {
            builder.status(DEGRADED);
        } else {
            builder.up();
        }
    }
}
