package io.duckbridge.core.backup;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which backups to keep: at most {@code count} of the newest, none older than {@code maxAge}, and always
 * the newest valid one, whatever the two limits say.
 *
 * @param count how many of the newest backups to keep; 0 keeps any number
 * @param maxAge backups older than this are deleted; null keeps any age
 */
public record RetentionPolicy(int count, Duration maxAge) {

    public RetentionPolicy {
        if (count < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.backup.retention.count " + count + " is negative; use e.g. 7, or 0 for no limit");
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.backup.retention.max-age " + maxAge
                            + " is not positive; use e.g. 30d, or leave it unset");
        }
    }

    /** Keeps everything. */
    public static RetentionPolicy keepAll() {
        return new RetentionPolicy(0, null);
    }

    public boolean keepsEverything() {
        return count == 0 && maxAge == null;
    }

    /** How far in the future a backup's {@code createdAt} may lie before it is taken for a clock gone wrong. */
    public static final Duration CLOCK_TOLERANCE = Duration.ofMinutes(5);

    /**
     * The backups this policy deletes.
     *
     * <p>A backup dated more than {@link #CLOCK_TOLERANCE} after {@code now} (the clock was stepped back, or it
     * came from another host) is never deleted and does not count as one of the newest: ranked newest, such
     * backups would make every new backup the one beyond {@code count}, deleted as soon as it is made.
     *
     * @param newestFirst every complete backup, newest first
     * @param now the time ages are measured against
     * @param valid whether a backup is valid; asked newest first (backups dated in the future last) and only until
     *     the first valid one
     * @return the backups to delete, newest first; never the newest valid one, never one dated in the future
     */
    public List<BackupManifest> expired(
            List<BackupManifest> newestFirst, Instant now, Predicate<BackupManifest> valid) {
        List<BackupManifest> dated =
                newestFirst.stream().filter(m -> !datedInTheFuture(m, now)).toList();
        String newestValid = null;
        for (BackupManifest m : dated) {
            if (valid.test(m)) {
                newestValid = m.id();
                break;
            }
        }
        List<BackupManifest> expired = new ArrayList<>();
        for (int i = 0; i < dated.size(); i++) {
            BackupManifest m = dated.get(i);
            boolean tooMany = count > 0 && i >= count;
            boolean tooOld =
                    maxAge != null && Duration.between(m.createdAt(), now).compareTo(maxAge) > 0;
            if ((tooMany || tooOld) && !m.id().equals(newestValid)) {
                expired.add(m);
            }
        }
        return expired;
    }

    /** Whether {@code m} is dated too far after {@code now} to be trusted (see {@link #expired}). */
    public static boolean datedInTheFuture(BackupManifest m, Instant now) {
        return m.createdAt().isAfter(now.plus(CLOCK_TOLERANCE));
    }
}
