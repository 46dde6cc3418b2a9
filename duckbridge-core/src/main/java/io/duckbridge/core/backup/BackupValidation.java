package io.duckbridge.core.backup;

import java.util.List;

/**
 * The outcome of validating a backup.
 *
 * @param id the backup's id
 * @param valid whether every check passed
 * @param problems what failed, one sentence each; empty when valid
 * @param notes what was not checked and why (e.g. checksums of a backup written by another DuckDB version), one
 *     sentence each; a valid backup may have notes
 */
public record BackupValidation(String id, boolean valid, List<String> problems, List<String> notes) {
    public BackupValidation {
        problems = List.copyOf(problems);
        notes = notes == null ? List.of() : List.copyOf(notes); // null in a validation.json of an earlier version
        if (valid != problems.isEmpty()) {
            throw new IllegalArgumentException("a backup is valid exactly when it has no problems");
        }
    }

    public BackupValidation(String id, boolean valid, List<String> problems) {
        this(id, valid, problems, List.of());
    }

    static BackupValidation of(String id, List<String> problems) {
        return new BackupValidation(id, problems.isEmpty(), problems);
    }

    static BackupValidation of(String id, List<String> problems, List<String> notes) {
        return new BackupValidation(id, problems.isEmpty(), problems, notes);
    }
}
