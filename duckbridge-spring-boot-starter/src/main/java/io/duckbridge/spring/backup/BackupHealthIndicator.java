package io.duckbridge.spring.backup;

import io.duckbridge.core.backup.BackupManifest;
import io.duckbridge.core.backup.BackupService;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code backup} health component: {@code UP} while the newest valid backup is younger than the
 * threshold, {@code DEGRADED} when it is older or when backups are scheduled but none is valid.
 * {@code DEGRADED} is not in the default status order, so it shows on the component without failing
 * the overall health. Without a schedule and without backups it is {@code UP} with a note. Thread-safe.
 */
public class BackupHealthIndicator extends AbstractHealthIndicator {
    public static final Status DEGRADED = new Status("DEGRADED");

    private final BackupService backups;
    private final Duration maxAge;
    private final boolean scheduled;

    public BackupHealthIndicator(BackupService backups, Duration maxAge, boolean scheduled) {
        this.backups = backups;
        this.maxAge = maxAge;
        this.scheduled = scheduled;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Optional<BackupManifest> newest = backups.newestValid();
        builder.withDetail("directory", backups.settings().directory().toString())
                .withDetail("maxAge", maxAge.toString())
                .withDetail("backups", backups.list().size());
        if (newest.isEmpty()) {
            builder.status(scheduled ? DEGRADED : Status.UP)
                    .withDetail("newestValidBackup", "none")
                    .withDetail("reason", scheduled ? "backups are scheduled but none is valid" : "no backups yet");
            return;
        }
        BackupManifest m = newest.get();
        Duration age = Duration.between(m.createdAt(), Instant.now());
        builder.withDetail("newestValidBackup", m.id())
                .withDetail("createdAt", m.createdAt().toString())
                .withDetail("ageSeconds", age.toSeconds());
        if (age.compareTo(maxAge) > 0) {
            builder.status(DEGRADED).withDetail("reason", "the newest valid backup is older than " + maxAge);
        } else {
            builder.up();
        }
    }
}
