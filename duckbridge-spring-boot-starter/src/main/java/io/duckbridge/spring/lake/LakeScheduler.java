package io.duckbridge.spring.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.lake.ExportMode;
import io.duckbridge.core.lake.ExportRequest;
import io.duckbridge.core.lake.Lake;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;

/**
 * Submits the exports of {@code duckbridge.lake.schedules} as jobs on their cron schedules. Each schedule
 * is validated at startup (a bad cron or request fails the start). Owns its one scheduler thread;
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
            ExportRequest request = new ExportRequest(
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
            CronTrigger trigger;
            try {
                trigger = new CronTrigger(s.cron());
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(
                        name + ".cron \"" + s.cron() + "\" is not a cron expression; use e.g. \"0 0 2 * * *\"", e);
            }
            scheduled.add(scheduler.schedule(
                    () -> {
                        try {
                            log.info("{}: starting the scheduled export to {}", name, request.target());
                            lake.submitExport(request);
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
