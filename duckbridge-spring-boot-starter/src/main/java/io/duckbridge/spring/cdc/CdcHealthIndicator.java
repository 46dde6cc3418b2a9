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
 * stopped on purpose), {@code DEGRADED} when the lag passes the threshold, PostgreSQL is being reconnected or
 * a table was set aside (state {@code failed}, listed under {@code failedTables}) while the others stream,
 * and {@code DOWN} when CDC failed (e.g. its slot was dropped) or, when CDC is enabled, its start was refused
 * (detail {@code startRefused}, e.g. a new table without a primary key). {@code DEGRADED} is not part of the
 * default status order, so it shows on the component without failing the overall health. Thread-safe.
 */
public class CdcHealthIndicator extends AbstractHealthIndicator {
    /** Lag above the threshold, or reconnecting. */
    public static final Status DEGRADED = new Status("DEGRADED");

    private final ChangeCapture capture;
    private final Duration lagThreshold;
    private final boolean enabled;

    /** For CDC that is only started on request: a refused start leaves it stopped and {@code UP}. */
    public CdcHealthIndicator(ChangeCapture capture, Duration lagThreshold) {
        this(capture, lagThreshold, false);
    }

    /**
     * @param enabled whether CDC is configured to run ({@code duckbridge.cdc.enabled}): then a refused start
     *     is {@code DOWN}, since every captured table stops being updated
     */
    public CdcHealthIndicator(ChangeCapture capture, Duration lagThreshold, boolean enabled) {
        super("CDC health check failed");
        this.capture = capture;
        this.lagThreshold = lagThreshold;
        this.enabled = enabled;
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
        String refused = capture.startRefusal();
        if (s.state() == CdcState.FAILED) {
            builder.down();
        } else if (enabled && refused != null && !capture.isRunning()) {
            builder.withDetail(
                            "startRefused",
                            "duckbridge.cdc.enabled is true but CDC did not start, so no captured table is updated: "
                                    + refused)
                    .down();
        } else if (s.state() == CdcState.RECONNECTING
                || !failedTables.isEmpty()
                // stopped on purpose, it is behind by design (GET /api/v1/cdc still shows by how much)
                || (s.state() != CdcState.STOPPED && s.lagSeconds() > lagThreshold.toMillis() / 1000.0)) {
            builder.status(DEGRADED);
        } else {
            builder.up();
        }
    }
}
