package io.duckbridge.spring.sync;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.TableSync;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.support.CronExpression;

/**
 * Submits a sync job of every selected table on each cron schedule ({@code duckbridge.sync.schedule.full},
 * {@code .incremental}), and an optimize job of every table with a layout on {@code .optimize}. Thread-safe; {@link #close()} stops scheduling and is idempotent.
 */
public final class SyncScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncScheduler.class);

    private final ScheduledExecutorService timer;

    /**
     * @param schedules cron expression per mode; modes without one are not scheduled
     * @param optimize cron expression of the optimize of every table with a layout; null or blank for never
     * @throws DuckbridgeException INVALID_REQUEST for an expression Spring's {@link CronExpression} rejects
     */
    public SyncScheduler(TableSync sync, Map<SyncMode, String> schedules, String optimize) {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "duckbridge-sync-scheduler");
            t.setDaemon(true);
            return t;
        });
        schedules.forEach((mode, cron) -> schedule(
                "duckbridge.sync.schedule." + mode.wireName(),
                cron,
                mode.wireName() + " sync",
                () -> sync.submit(null, mode)));
        schedule("duckbridge.sync.schedule.optimize", optimize, "optimize", sync::submitOptimizeAll);
    }

    private void schedule(String key, String cron, String what, Supplier<Job> submit) {
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
                    key + " \"" + cron + "\" is not a cron expression; use six fields, e.g. 0 0 3 * * *",
                    e);
        }
        scheduleNext(expression, what, submit);
    }

    private void scheduleNext(CronExpression expression, String what, Supplier<Job> submit) {
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
                                "scheduled {} starts as job {}",
                                what,
                                submit.get().jobId());
                    } catch (RuntimeException e) {
                        log.warn("scheduled {} could not start: {}", what, e.getMessage());
                    }
                    scheduleNext(expression, what, submit);
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
