package io.duckbridge.core.backup;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves a backup restorable: the archive's size and SHA-256 against the manifest, then the archive is
 * decompressed into a scratch file that a separate, read-only DuckDB instance opens, and every table's row
 * count and checksum is compared with the manifest. The live database is not touched. Stateless; safe to
 * run on several threads for different scratch files.
 */
final class BackupValidator {
    private static final Logger log = LoggerFactory.getLogger(BackupValidator.class);

    private BackupValidator() {}

    /**
     * Validates {@code manifest}'s backup, decompressing into {@code restored} (which must not exist).
     * The decompressed file is left in place; the caller deletes or uses it.
     *
     * <p>Progress is in bytes: the archive's once it is checksummed, the database's as it is decompressed and
     * once more when its contents were compared, then {@code bytesAfter} the caller reports for its work after
     * the validation (a restore's copy into the live database), all in one total set here.
     *
     * @throws DuckbridgeException IO when {@code restored} cannot be written (a full or read-only scratch area):
     *     that is no verdict on the backup, so callers must not record it as one
     */
    static BackupValidation validate(
            BackupCatalog catalog,
            BackupManifest manifest,
            Path restored,
            String duckdbVersion,
            JobContext progress,
            long bytesAfter) {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Path archive = catalog.archive(manifest);
        progress.total(manifest.archiveBytes() + 2 * manifest.databaseBytes() + bytesAfter, "bytes");
        try {
            if (!Files.isRegularFile(archive)) {
                problems.add("the archive " + archive.getFileName() + " is missing");
                return BackupValidation.of(manifest.id(), problems);
            }
            long size = Files.size(archive);
            if (size != manifest.archiveBytes()) {
                problems.add("the archive is " + size + " bytes but the manifest says " + manifest.archiveBytes()
                        + (size < manifest.archiveBytes() ? " (truncated)" : ""));
            }
            String sha256 = ArchiveCodec.sha256(archive);
            progress.advance(manifest.archiveBytes());
            if (!sha256.equals(manifest.sha256())) {
                problems.add("the archive's SHA-256 is " + sha256 + " but the manifest says " + manifest.sha256()
                        + " (the archive was altered or damaged)");
            }
            try {
                ArchiveCodec.decompress(archive, restored, progress);
            } catch (ArchiveCodec.TargetWriteException e) {
                // the scratch area is full or read-only: the backup may be intact, so this is no verdict on it
                throw new DuckbridgeException(
                        ErrorClass.IO,
                        "backup " + manifest.id() + " could not be validated: decompressing it into the scratch"
                                + " area failed (" + e.getMessage() + "); free space there and try again",
                        e);
            } catch (IOException e) {
                problems.add("the archive does not decompress: " + e.getMessage());
                return BackupValidation.of(manifest.id(), problems);
            }
            problems.addAll(compareContents(manifest, restored, duckdbVersion, notes));
            progress.advance(manifest.databaseBytes());
        } catch (IOException e) {
            problems.add("the archive cannot be read: " + e);
        }
        return BackupValidation.of(manifest.id(), problems, notes);
    }

    private static List<String> compareContents(
            BackupManifest manifest, Path restored, String duckdbVersion, List<String> notes) {
        List<String> problems = new ArrayList<>();
        Properties config = new Properties();
        config.setProperty("duckdb.read_only", "true");
        config.setProperty("threads", "2");
        config.setProperty("memory_limit", "1GB");
        config.setProperty("autoinstall_known_extensions", "false");
        // a plain connection: this is a separate, read-only DuckDB instance on a scratch file, not the engine's
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + restored, config)) {
            String database = ContentSummary.currentDatabase(c);
            Map<String, TableChecksum> expected = new LinkedHashMap<>();
            manifest.tables().forEach(t -> expected.put(t.qualifiedName(), t));
            boolean compareChecksums = duckdbVersion == null || duckdbVersion.equals(manifest.duckdbVersion());
            if (!compareChecksums) {
                notes.add("content checksums were not compared: the backup was written by DuckDB "
                        + manifest.duckdbVersion() + " and this is DuckDB " + duckdbVersion
                        + ", which may checksum the same rows differently; row counts were compared");
                log.warn(
                        "backup {} was written by DuckDB {}; this is DuckDB {}: comparing row counts only",
                        manifest.id(),
                        manifest.duckdbVersion(),
                        duckdbVersion);
            }
            for (String[] t : ContentSummary.tables(c, database)) {
                TableChecksum actual = ContentSummary.checksum(c, database, t[0], t[1]);
                TableChecksum want = expected.remove(actual.qualifiedName());
                if (want == null) {
                    problems.add("table " + actual.qualifiedName() + " is in the archive but not in the manifest");
                } else if (want.rowCount() != actual.rowCount()) {
                    problems.add("table " + actual.qualifiedName() + " has " + actual.rowCount()
                            + " rows but the manifest says " + want.rowCount());
                } else if (compareChecksums && !want.checksum().equals(actual.checksum())) {
                    problems.add("table " + actual.qualifiedName() + " has content checksum " + actual.checksum()
                            + " but the manifest says " + want.checksum());
                }
            }
            expected.keySet()
                    .forEach(
                            name -> problems.add("table " + name + " is in the manifest but missing from the archive"));
        } catch (SQLException e) {
            problems.add("the restored copy does not open as a DuckDB database: " + e.getMessage());
        }
        return problems;
    }

    /** Deletes a scratch DuckDB file and its WAL. */
    static void deleteScratch(Path file) {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(Path.of(file + ".wal"));
        } catch (IOException e) {
            log.warn("could not delete the scratch file {}: {}", file, e.toString());
        }
    }
}
