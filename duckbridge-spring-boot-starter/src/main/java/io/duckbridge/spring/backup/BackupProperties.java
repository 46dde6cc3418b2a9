package io.duckbridge.spring.backup;

import io.duckbridge.core.backup.BackupSettings;
import io.duckbridge.core.backup.RetentionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code duckbridge.backup.*} settings.
 *
 * @param directory the local backup directory; default {@code ${duckbridge.data-dir}/backups}
 * @param schedule a Spring cron expression (six fields, e.g. {@code 0 0 3 * * *}) for automatic backups;
 *     unset: none
 * @param retention which backups are kept after each new one
 * @param validateAfterCreate whether each new backup is restored into a scratch file and compared with
 *     its manifest before its job succeeds
 * @param compressionLevel zstd level, 1 to 19
 * @param healthMaxAge the {@code backup} health component turns {@code DEGRADED} when the newest valid
 *     backup is older than this (only once a schedule is set or a backup exists)
 * @param restoreWait how long {@code ?wait=true} waits for a backup or restore job
 * @param s3Target {@code s3://bucket/prefix}: every new backup is also uploaded there (through the
 *     object storage configured by {@code duckbridge.lake.s3.*}); unset: local only
 * @param drillSchedule a Spring cron expression for the restore drill: the newest backup is restored into a
 *     scratch file and compared with its manifest; unset: no drill
 */
@ConfigurationProperties("duckbridge.backup")
public record BackupProperties(
        Path directory,
        String schedule,
        @DefaultValue Retention retention,
        @DefaultValue("false") boolean validateAfterCreate,
        @DefaultValue("1") int compressionLevel,
        @DefaultValue("26h") Duration healthMaxAge,
        @DefaultValue("10m") Duration restoreWait,
        String s3Target,
        String drillSchedule) {

    /**
     * @param count how many of the newest backups to keep; 0 keeps any number
     * @param maxAge backups older than this are deleted (never the newest valid one); unset keeps any age
     */
    public record Retention(@DefaultValue("0") int count, Duration maxAge) {}

    /** The core settings, with the directory defaulting under {@code dataDir}. */
    public BackupSettings toSettings(Path dataDir) {
        Path dir = directory != null ? directory : dataDir.resolve("backups");
        return new BackupSettings(
                dir,
                compressionLevel,
                validateAfterCreate,
                new RetentionPolicy(retention.count(), retention.maxAge()),
                null);
    }

    public boolean scheduled() {
        return schedule != null && !schedule.isBlank();
    }
}
