package io.duckbridge.spring.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.lake.ExportMode;
import io.duckbridge.core.lake.ExportRequest;
import io.duckbridge.core.lake.Lake;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;

/**
 * Submits the exports of {@code duckbridge.lake.schedules} as jobs on their cron schedules. Each schedule
 * is validated at startup (a missing or bad cron, or a bad request, fails the start naming the schedule). A
 * schedule skips its time, with a line in the log, while its previous export is still queued or running, and
 * while another export to its target is (which would make its own fail CONFLICT). Owns its one scheduler thread;
 * {@link #close()} stops it. Thread-safe.
 */
public class LakeScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LakeScheduler.class);

    private final ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();

    public LakeScheduler(Lake lake, List<LakeProperties.Schedule> schedules) {
        scheduler.setPoolSize(1);
        scheduler.setThreadNamePrefix("duckbridge-lake-schedule-");
        scheduler.setDaemon(true);
        scheduler.initialize();
        for (int i = 0; i < schedules.size(); i++) {
            LakeProperties.Schedule s = schedules.get(i);
            String name = "duckbridge.lake.schedules[" + i + "]";
            if (s.cron() == null || s.cron().isBlank()) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        name + ".cron is missing; give every schedule a cron expression, e.g. \"0 0 2 * * *\"");
            }
            ExportRequest request;
            try {
                request = new ExportRequest(
                        s.table(),
                        s.sql(),
                        s.target(),
                        s.partitionBy(),
                        s.orderBy(),
                        s.compression(),
                        s.compressionLevel(),
                        s.rowGroupSize(),
                        s.fileSize() == null ? null : s.fileSize().toBytes(),
                        ExportMode.parse(s.mode()));
            } catch (DuckbridgeException e) {
                throw e.withContext(name);
            }
            CronTrigger trigger;
            try {
                trigger = new CronTrigger(s.cron());
            } catch (IllegalArgumentException e) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        name + ".cron \"" + s.cron() + "\" is not a cron expression (" + e.getMessage()
                                + "); use six fields: second minute hour day month weekday, e.g. 0 0 2 * * *",
                        e);
            }
            AtomicReference<Job> last = new AtomicReference<>();
            scheduled.add(scheduler.schedule(
                    () -> {
                        Job previous = last.get();
                        if (previous != null && !previous.snapshot().status().terminal()) {
                            // one run per schedule at a time: runs that queue behind it only fail CONFLICT later
                            log.info(
                                    "{}: the export to {} started at its last time is still {}; skipping this time",
                                    name,
                                    request.target(),
                                    previous.snapshot().status().wireName());
                            return;
                        }
                        try {
                            // another export of the target (a manual one, another schedule's) would make this
                            // one fail CONFLICT when it runs: skipped like an overlap of its own
                            Optional<Job> started = lake.submitExportUnlessTargetBusy(request);
                            if (started.isEmpty()) {
                                log.info(
                                        "{}: another export to {} is queued or running; skipping this time",
                                        name,
                                        request.target());
                                return;
                            }
                            log.info("{}: started the scheduled export to {}", name, request.target());
                            last.set(started.get());
                        } catch (DuckbridgeException e) {
                            log.warn("{}: the scheduled export could not start: {}", name, e.getMessage());
                        }
                    },
                    trigger));
        }
    }

    /** How many schedules are active. */
    public int size() {
        return scheduled.size();
    }

    @Override
    public void close() {
        scheduled.forEach(f -> f.cancel(false));
        scheduler.shutdown();
    }
}
