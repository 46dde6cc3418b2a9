package io.duckbridge.spring.backup;

import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobRunner;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.support.CronExpression;

/**
 * Runs an action at every time of a cron expression (Spring's six-field syntax, server time zone): by default
 * it starts a backup job — a run that finds another backup or restore still going is skipped (its job fails
 * with CONFLICT); retention is applied by each backup — and {@link BackupDrill} uses it for restore drills.
 * Thread-safe; its timer thread is stopped with the application.
 */
public class BackupScheduler implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(BackupScheduler.class);

    private final String what;
    private final Runnable action;
    private final CronExpression cron;
    private final String expression;
    private ScheduledExecutorService timer;

    /** Starts a backup job at each time. @throws IllegalArgumentException when {@code expression} is not cron */
    public BackupScheduler(BackupService backups, JobRunner jobs, String expression) {
        this("backups", expression, () -> {
            Job job = backups.submitCreate(jobs);
            log.info("scheduled backup started as job {}", job.jobId());
        });
    }

    /**
     * Runs {@code action} at each time; {@code what} names it in the log.
     *
     * @throws IllegalArgumentException when {@code expression} is not a cron expression
     */
    public BackupScheduler(String what, String expression, Runnable action) {
        this.what = what;
        this.action = action;
        this.expression = expression;
        this.cron = CronExpression.parse(expression);
    }

    /** The next time a backup starts after {@code from}, or null when the expression never fires again. */
    public ZonedDateTime next(ZonedDateTime from) {
        return cron.next(from);
    }

    @Override
    public synchronized void start() {
        if (timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "duckbridge-" + what.replace(' ', '-') + "-scheduler");
            t.setDaemon(true);
            return t;
        });
        scheduleNext();
        log.info("{} scheduled by cron \"{}\"", what, expression);
    }

    private synchronized void scheduleNext() {
        if (timer == null) {
            return;
        }
        ZonedDateTime now = ZonedDateTime.now();
        ZonedDateTime next = cron.next(now);
        if (next == null) {
            return;
        }
        long delay = Math.max(0, Duration.between(now, next).toMillis());
        timer.schedule(this::fire, delay, TimeUnit.MILLISECONDS);
    }

    private void fire() {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.error("scheduled {} could not run: {}", what, e.getMessage());
        } finally {
            scheduleNext();
        }
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return timer != null;
    }
}
