package io.duckbridge.core.backup;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.nio.file.Path;

/**
 * Where and how backups are written.
 *
 * @param directory the local backup directory ({@code ${duckbridge.data-dir}/backups}); scratch files
 *     for copies and validation go to its {@code .scratch} subdirectory, so they stay inside the data
 *     directory that DuckDB's sandbox allows
 * @param compressionLevel zstd level, 1 (fast) to 19 (small); 1 by default
 * @param validateAfterCreate whether each new backup is validated (restored into a scratch file and
 *     compared with its manifest) before the backup job succeeds
 * @param retention which backups {@link BackupService#prune()} keeps
 * @param duckbridgeVersion the version recorded in manifests
 */
public record BackupSettings(
        Path directory,
        int compressionLevel,
        boolean validateAfterCreate,
        RetentionPolicy retention,
        String duckbridgeVersion) {

    public BackupSettings {
        if (directory == null) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.backup.directory is not set; use e.g. ./duckbridge-data/backups");
        }
        directory = directory.toAbsolutePath().normalize();
        if (compressionLevel < 1 || compressionLevel > 19) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.backup.compression-level " + compressionLevel
                            + " is out of range; use 1 to 19, e.g. 3");
        }
        if (retention == null) {
            retention = RetentionPolicy.keepAll();
        }
        if (duckbridgeVersion == null || duckbridgeVersion.isBlank()) {
            String v = BackupSettings.class.getPackage().getImplementationVersion();
            duckbridgeVersion = v == null ? "development" : v;
        }
    }

    /**
     * Backups in {@code directory}, zstd level 1, no automatic validation, kept forever. Level 1 because a
     * DuckDB file is mostly compressed already: level 3 saved 1.5% and was up to 4x slower with two workers
     * on a loaded machine (about as fast on a quieter one).
     */
    public static BackupSettings defaults(Path directory) {
        return new BackupSettings(directory, 1, false, RetentionPolicy.keepAll(), null);
    }

    public BackupSettings withRetention(RetentionPolicy value) {
        return new BackupSettings(directory, compressionLevel, validateAfterCreate, value, duckbridgeVersion);
    }

    public BackupSettings withValidateAfterCreate(boolean value) {
        return new BackupSettings(directory, compressionLevel, value, retention, duckbridgeVersion);
    }

    /** Where copies and validation files are made; inside {@link #directory()}. */
    public Path scratchDirectory() {
        return directory.resolve(".scratch");
    }
}
