package io.duckbridge.spring.sync;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.TableSync;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.support.CronExpression;

/**
 * Submits a sync job of every selected table on each cron schedule ({@code duckbridge.sync.schedule.full},
 * {@code .incremental}). Thread-safe; {@link #close()} stops scheduling and is idempotent.
 */
public final class SyncScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncScheduler.class);

    private final TableSync sync;
    private final ScheduledExecutorService timer;

    /**
     * @param schedules cron expression per mode; modes without one are not scheduled
     * @throws DuckbridgeException INVALID_REQUEST for an expression Spring's {@link CronExpression} rejects
     */
    public SyncScheduler(TableSync sync, Map<SyncMode, String> schedules) {
        this.sync = sync;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "duckbridge-sync-scheduler");
            t.setDaemon(true);
            return t;
        });
        schedules.forEach((mode, cron) -> {
            if (cron == null || cron.isBlank()) {
                return;
            }
            CronExpression expression;
            try {
                expression = CronExpression.parse(cron);
            } catch (IllegalArgumentException e) {
                timer.shutdownNow();
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "duckbridge.sync.schedule." + mode.wireName() + " \"" + cron + "\" is not a cron expression;"
                                + " use six fields, e.g. 0 0 3 * * *",
                        e);
            }
            scheduleNext(mode, expression);
        });
    }

    private void scheduleNext(SyncMode mode, CronExpression expression) {
        ZonedDateTime now = ZonedDateTime.now();
        ZonedDateTime next = expression.next(now);
        if (next == null || timer.isShutdown()) {
            return;
        }
        long delay = Math.max(0, Duration.between(now, next).toMillis());
        timer.schedule(
                () -> {
                    try {
                        log.info(
                                "scheduled {} sync starts as job {}",
                                mode.wireName(),
                                sync.submit(null, mode).jobId());
                    } catch (RuntimeException e) {
                        log.warn("scheduled {} sync could not start: {}", mode.wireName(), e.getMessage());
                    }
                    scheduleNext(mode, expression);
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
