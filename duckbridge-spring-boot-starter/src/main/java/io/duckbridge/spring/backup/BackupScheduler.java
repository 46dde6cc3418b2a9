package io.duckbridge.spring.backup;

import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobRunner;
import java.time.ZonedDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.scheduling.support.CronTrigger;

/**
 * Runs an action at every time of a cron expression (Spring's six-field syntax, server time zone): by default
 * it starts a backup job — a run that finds another backup or restore still going is skipped (its job fails
 * with CONFLICT); retention is applied by each backup — and {@link BackupDrill} uses it for restore drills.
 * Runs on Spring's task scheduler with a cron trigger. Thread-safe; its thread is stopped with the application.
 */
public class BackupScheduler implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(BackupScheduler.class);

    private final String what;
    private final Runnable action;
    private final CronExpression cron;
    private final String expression;
    private ThreadPoolTaskScheduler scheduler;

    /** Starts a backup job at each time. @throws IllegalArgumentException when {@code expression} is not cron */
    public BackupScheduler(BackupService backups, JobRunner jobs, String expression) {
        this("backups", "duckbridge.backup.schedule", expression, () -> {
            Job job = backups.submitCreate(jobs);
            log.info("scheduled backup started as job {}", job.jobId());
        });
    }

    /**
     * Runs {@code action} at each time; {@code what} names it in the log, {@code key} is the setting that
     * holds {@code expression}.
     *
     * @throws DuckbridgeException INVALID_REQUEST naming {@code key} when {@code expression} is not a cron
     *     expression
     */
    public BackupScheduler(String what, String key, String expression, Runnable action) {
        this.what = what;
        this.action = action;
        this.expression = expression;
        try {
            this.cron = CronExpression.parse(expression);
        } catch (IllegalArgumentException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    key + " \"" + expression + "\" is not a cron expression (" + e.getMessage()
                            + "); use six fields: second minute hour day month weekday, e.g. 0 0 3 * * *",
                    e);
        }
    }

    /** The next time a backup starts after {@code from}, or null when the expression never fires again. */
    public ZonedDateTime next(ZonedDateTime from) {
        return cron.next(from);
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        ThreadPoolTaskScheduler started = new ThreadPoolTaskScheduler();
        started.setPoolSize(1);
        started.setThreadNamePrefix("duckbridge-" + what.replace(' ', '-') + "-scheduler-");
        started.setDaemon(true);
        started.initialize();
        started.schedule(this::fire, new CronTrigger(expression));
        scheduler = started;
        log.info("{} scheduled by cron \"{}\"", what, expression);
    }

    private void fire() {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.error("scheduled {} could not run: {}", what, e.getMessage());
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdown();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
