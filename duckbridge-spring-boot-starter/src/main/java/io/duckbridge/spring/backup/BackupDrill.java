package io.duckbridge.spring.backup;

import io.duckbridge.core.backup.BackupManifest;
import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.backup.BackupValidation;
import io.duckbridge.core.jobs.JobContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic restore drill: restores the newest backup into a scratch file and compares every table's row
 * count and content checksum with its manifest ({@link BackupService#validate}), so a backup that could not be
 * restored is found before it is needed. A failed drill marks that backup invalid (the {@code backup} health
 * then looks at the newest one still valid) and is logged at ERROR. Thread-safe.
 */
public final class BackupDrill {
    private static final Logger log = LoggerFactory.getLogger(BackupDrill.class);

    /** The outcome of one drill. */
    public record Outcome(String backupId, boolean restored, List<String> problems, Instant at, Duration took) {}

    private final BackupService backups;
    private volatile Outcome last;
    private volatile Instant lastSuccess;

    public BackupDrill(BackupService backups) {
        this.backups = backups;
    }

    /** Drills the newest backup now; empty when there is no backup yet. */
    public synchronized Optional<Outcome> run() {
        List<BackupManifest> all = backups.list();
        if (all.isEmpty()) {
            log.info("restore drill skipped: no backup yet");
            return Optional.empty();
        }
        BackupManifest newest = all.getFirst();
        long start = System.nanoTime();
        BackupValidation v = backups.validate(newest.id(), JobContext.none());
        Outcome outcome = new Outcome(
                newest.id(), v.valid(), v.problems(), Instant.now(), Duration.ofNanos(System.nanoTime() - start));
        last = outcome;
        if (v.valid()) {
            lastSuccess = outcome.at();
            log.info(
                    "restore drill of backup {} succeeded in {} ms",
                    newest.id(),
                    outcome.took().toMillis());
        } else {
            log.error("restore drill of backup {} FAILED: {}", newest.id(), String.join("; ", v.problems()));
        }
        return Optional.of(outcome);
    }

    /** The latest drill, if any ran. */
    public Optional<Outcome> last() {
        return Optional.ofNullable(last);
    }

    /** When a drill last restored a backup successfully, if ever. */
    public Optional<Instant> lastSuccess() {
        return Optional.ofNullable(lastSuccess);
    }
}
