package io.duckbridge.core.backup;

import java.util.List;

/**
 * The outcome of validating a backup.
 *
 * @param id the backup's id
 * @param valid whether every check passed
 * @param problems what failed, one sentence each; empty when valid
 */
public record BackupValidation(String id, boolean valid, List<String> problems) {
    public BackupValidation {
        problems = List.copyOf(problems);
        if (valid != problems.isEmpty()) {
            throw new IllegalArgumentException("a backup is valid exactly when it has no problems");
        }
    }

    static BackupValidation of(String id, List<String> problems) {
        return new BackupValidation(id, problems.isEmpty(), problems);
    }
}
