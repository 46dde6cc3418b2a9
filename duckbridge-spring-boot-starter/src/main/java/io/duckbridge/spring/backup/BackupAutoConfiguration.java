package io.duckbridge.spring.backup;

import io.duckbridge.core.backup.BackupManifest;
import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.lake.LakeLocation;
import io.duckbridge.core.lake.S3Storage;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import io.duckbridge.spring.DuckbridgeAutoConfiguration;
import io.duckbridge.spring.DuckbridgeProperties;
import io.duckbridge.spring.cdc.CdcAutoConfiguration;
import io.duckbridge.spring.lake.LakeAutoConfiguration;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Wires backups: the {@link BackupService} over the engine, the {@code /api/v1/backups} endpoints, the
 * {@code backup} health component, gauges for the newest backup's age, size and duration, and the cron
 * schedule when {@code duckbridge.backup.schedule} is set. Every bean can be replaced.
 */
@AutoConfiguration(after = {DuckbridgeAutoConfiguration.class, CdcAutoConfiguration.class, LakeAutoConfiguration.class})
@EnableConfigurationProperties(BackupProperties.class)
public class BackupAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(BackupAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(DuckDbEngine.class)
    public BackupService duckbridgeBackupService(
            DuckDbEngine engine,
            BackupProperties backup,
            DuckbridgeProperties properties,
            ObjectProvider<ChangeCapture> capture,
            ObjectProvider<S3Storage> s3) {
        BackupService service = new BackupService(engine, backup.toSettings(properties.dataDir()));
        if (backup.s3Target() != null && !backup.s3Target().isBlank()) {
            LakeLocation target = LakeLocation.parse("duckbridge.backup.s3-target", backup.s3Target());
            if (!target.isS3()) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "duckbridge.backup.s3-target \"" + backup.s3Target() + "\" is not s3://bucket/prefix");
            }
            S3Storage storage = s3.getIfAvailable();
            if (storage == null) {
                log.warn("duckbridge.backup.s3-target is set but object storage is not; set duckbridge.lake.s3.*");
            } else {
                service.uploadTo(storage.store(target.bucket(), target.path()));
                log.info("new backups are also uploaded to {}", target);
            }
        }
        capture.ifAvailable(c -> service.addRestoreListener(new CdcRestoreListener(c)));
        return service;
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean({BackupService.class, JobRunner.class})
    public BackupController duckbridgeBackupController(
            BackupService backups, JobRunner jobs, BackupProperties properties) {
        return new BackupController(backups, jobs, properties);
    }

    @Bean
    @ConditionalOnMissingBean(name = "backupHealthIndicator")
    @ConditionalOnBean(BackupService.class)
    public BackupHealthIndicator backupHealthIndicator(BackupService backups, BackupProperties properties) {
        return new BackupHealthIndicator(backups, properties.healthMaxAge(), properties.scheduled());
    }

    @Bean
    @ConditionalOnMissingBean(name = "backupScheduler")
    @ConditionalOnBean({BackupService.class, JobRunner.class})
    @ConditionalOnProperty(prefix = "duckbridge.backup", name = "schedule")
    public BackupScheduler backupScheduler(BackupService backups, JobRunner jobs, BackupProperties properties) {
        return new BackupScheduler(backups, jobs, properties.schedule());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(BackupService.class)
    public BackupDrill duckbridgeBackupDrill(BackupService backups) {
        return new BackupDrill(backups);
    }

    /** Runs the restore drill by {@code duckbridge.backup.drill-schedule}. */
    @Bean
    @ConditionalOnMissingBean(name = "backupDrillScheduler")
    @ConditionalOnBean(BackupDrill.class)
    @ConditionalOnProperty(prefix = "duckbridge.backup", name = "drill-schedule")
    public BackupScheduler backupDrillScheduler(BackupDrill drill, BackupProperties properties) {
        return new BackupScheduler(
                "restore drills", "duckbridge.backup.drill-schedule", properties.drillSchedule(), drill::run);
    }

    /** Gauges of the restore drill: whether the latest one restored its backup, and how long ago one did. */
    @Bean
    @ConditionalOnMissingBean(name = "backupDrillMeterBinder")
    @ConditionalOnBean(BackupDrill.class)
    @ConditionalOnClass(MeterBinder.class)
    public MeterBinder backupDrillMeterBinder(BackupDrill drill) {
        return registry -> {
            Gauge.builder(
                            "duckbridge.backup.drill.success",
                            drill,
                            d -> d.last().map(o -> o.restored() ? 1.0 : 0.0).orElse(Double.NaN))
                    .description("1 when the latest restore drill restored the newest backup, 0 when it failed")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.backup.drill.age",
                            drill,
                            d -> d.lastSuccess()
                                    .map(t -> (double) java.time.Duration.between(t, java.time.Instant.now())
                                            .toSeconds())
                                    .orElse(Double.NaN))
                    .description("Seconds since a restore drill last succeeded")
                    .baseUnit("seconds")
                    .register(registry);
        };
    }

    /** Gauges over the newest valid backup (read from the backup directory at each scrape). */
    @Bean
    @ConditionalOnMissingBean(name = "backupMeterBinder")
    @ConditionalOnBean(BackupService.class)
    @ConditionalOnClass(MeterBinder.class)
    public MeterBinder backupMeterBinder(BackupService backups, BackupProperties properties) {
        return registry -> {
            Gauge.builder("duckbridge.backup.scheduled", properties, p -> p.scheduled() ? 1 : 0)
                    .description("1 when backups run on a schedule (duckbridge.backup.schedule), else 0")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.backup.age",
                            backups,
                            b -> b.newestValid()
                                    .map(m -> (double) Duration.between(m.createdAt(), Instant.now())
                                            .toSeconds())
                                    .orElse(Double.NaN))
                    .description("Age of the newest valid backup")
                    .baseUnit("seconds")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.backup.size",
                            backups,
                            b -> b.newestValid()
                                    .map(m -> (double) m.archiveBytes())
                                    .orElse(Double.NaN))
                    .description("Compressed size of the newest valid backup")
                    .baseUnit("bytes")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.backup.duration",
                            backups,
                            b -> b.newestValid()
                                    .map(BackupManifest::durationMillis)
                                    .map(ms -> ms / 1000.0)
                                    .orElse(Double.NaN))
                    .description("How long the newest valid backup took")
                    .baseUnit("seconds")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.backup.write.pause",
                            backups,
                            b -> b.newestValid()
                                    .map(BackupManifest::writePauseMillis)
                                    .map(ms -> ms / 1000.0)
                                    .orElse(Double.NaN))
                    .description("How long the newest valid backup paused writes")
                    .baseUnit("seconds")
                    .register(registry);
            Gauge.builder("duckbridge.backup.count", backups, b -> b.list().size())
                    .description("Complete backups in the backup directory")
                    .register(registry);
        };
    }
}
