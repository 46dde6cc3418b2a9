package io.duckbridge.spring.sync;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.TableSync;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;

/**
 * Submits a sync job of every selected table on each cron schedule ({@code duckbridge.sync.schedule.full},
 * {@code .incremental}), and an optimize job of every table with a layout on {@code .optimize}, with Spring's
 * task scheduler and cron triggers (server time zone). Thread-safe; {@link #close()} stops scheduling and is
 * idempotent.
 */
public final class SyncScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SyncScheduler.class);

    private final ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();

    /**
     * @param schedules cron expression per mode; modes without one are not scheduled
     * @param optimize cron expression of the optimize of every table with a layout; null or blank for never
     * @throws DuckbridgeException INVALID_REQUEST for an expression Spring's cron parser rejects
     */
    public SyncScheduler(TableSync sync, Map<SyncMode, String> schedules, String optimize) {
        scheduler.setPoolSize(1);
        scheduler.setThreadNamePrefix("duckbridge-sync-scheduler-");
        scheduler.setDaemon(true);
        scheduler.initialize();
        try {
            schedules.forEach((mode, cron) -> schedule(
                    "duckbridge.sync.schedule." + mode.wireName(),
                    cron,
                    mode.wireName() + " sync",
                    () -> sync.submitAll(mode)));
            schedule("duckbridge.sync.schedule.optimize", optimize, "optimize", sync::submitOptimizeAll);
        } catch (RuntimeException e) {
            scheduler.shutdown();
            throw e;
        }
    }

    private void schedule(String key, String cron, String what, Supplier<Job> submit) {
        if (cron == null || cron.isBlank()) {
            return;
        }
        CronTrigger trigger;
        try {
            trigger = new CronTrigger(cron);
        } catch (IllegalArgumentException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    key + " \"" + cron + "\" is not a cron expression; use six fields, e.g. 0 0 3 * * *",
                    e);
        }
        scheduler.schedule(
                () -> {
                    try {
                        log.info(
                                "scheduled {} starts as job {}",
                                what,
                                submit.get().jobId());
                    } catch (RuntimeException e) {
                        log.warn("scheduled {} could not start: {}", what, e.getMessage());
                    }
                },
                trigger);
    }

    @Override
    public void close() {
        scheduler.shutdown();
    }
}
