package io.duckbridge.core.backup;

import static io.duckbridge.core.backup.ContentSummary.literal;
import static io.duckbridge.core.backup.ContentSummary.quote;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one consistent online backup.
 *
 * <ol>
 *   <li>A {@code CHECKPOINT} on the writer lane: the only time writes wait.
 *   <li>On a reader connection, inside one DuckDB transaction (one MVCC snapshot): row counts and
 *       checksums of every table, the rows of the {@code duckbridge} state tables, and
 *       {@code COPY FROM DATABASE} into a fresh DuckDB file attached for the purpose. Writers keep
 *       committing meanwhile; the snapshot does not see them, so the copy is the database at one instant.
 *   <li>The copy is checkpointed, detached, compressed with zstd into the partial backup directory and
 *       fsynced; the manifest is written last and the directory renamed into place.
 * </ol>
 *
 * Never copies the live database file. Confined to the calling thread; {@link BackupService} runs one
 * backup at a time.
 */
final class BackupWriter {
    private static final Logger log = LoggerFactory.getLogger(BackupWriter.class);

    private final DuckDbEngine engine;
    private final BackupCatalog catalog;
    private final BackupSettings settings;

    BackupWriter(DuckDbEngine engine, BackupCatalog catalog, BackupSettings settings) {
        this.engine = engine;
        this.catalog = catalog;
        this.settings = settings;
    }

    private record Snapshot(
            String database,
            List<TableChecksum> tables,
            Map<String, List<Map<String, Object>>> state,
            long checksumMillis,
            long copyMillis) {}

    BackupManifest create(JobContext progress) throws Exception {
        Instant createdAt = Instant.now();
        long started = System.nanoTime();
        String id = BackupCatalog.newId(createdAt);
        Path partial = null;
        Path copy = null;
        boolean published = false;
        try {
            // inside the try: when the scratch file cannot be made, the partial directory is removed again
            partial = catalog.startPartial(id);
            copy = catalog.scratchFile("backup-" + id);
            Path copyFile = copy;
            long pauseStart = System.nanoTime();
            engine.tryCheckpoint("before backup " + id); // the copy below reads one snapshot either way
            long pauseMillis = Duration.ofNanos(System.nanoTime() - pauseStart).toMillis();
            progress.checkCancelled();

            Snapshot snapshot = engine.read(null, session -> copyInOneSnapshot(session, copyFile, id));
            progress.checkCancelled();
            Path wal = Path.of(copy + ".wal");
            if (Files.exists(wal)) {
                throw new IllegalStateException("the backup copy " + copy + " still has a WAL after its checkpoint");
            }
            long databaseBytes = Files.size(copy);
            progress.total(databaseBytes, "bytes");
            // compressing reports every byte; the manifest, the validation and the upload after it do not
            progress.completeOnlyOnSuccess();
            Path archive = partial.resolve(BackupCatalog.ARCHIVE);
            long compressStart = System.nanoTime();
            String sha256 = ArchiveCodec.compress(copy, archive, settings.compressionLevel(), progress);
            long compressMillis =
                    Duration.ofNanos(System.nanoTime() - compressStart).toMillis();
            progress.checkCancelled();
            BackupManifest manifest = new BackupManifest(
                    id,
                    createdAt,
                    settings.duckbridgeVersion(),
                    engine.duckdbVersion(),
                    snapshot.database(),
                    BackupCatalog.ARCHIVE,
                    "zstd",
                    Files.size(archive),
                    databaseBytes,
                    sha256,
                    snapshot.tables(),
                    snapshot.state(),
                    pauseMillis,
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
            catalog.publish(partial, manifest);
            published = true;
            log.info(
                    "backup {} written: {} tables, {} bytes compressed to {}, writes paused {} ms, took {} ms"
                            + " (checksums {} ms, copy {} ms, compression {} ms)",
                    id,
                    manifest.tables().size(),
                    databaseBytes,
                    manifest.archiveBytes(),
                    pauseMillis,
                    manifest.durationMillis(),
                    snapshot.checksumMillis(),
                    snapshot.copyMillis(),
                    compressMillis);
            return manifest;
        } finally {
            if (!published && partial != null) {
                BackupCatalog.deleteTree(partial);
            }
            if (copy != null) {
                Files.deleteIfExists(copy);
                Files.deleteIfExists(Path.of(copy + ".wal"));
            }
        }
    }

    private Snapshot copyInOneSnapshot(ReadSession session, Path copy, String id) throws SQLException {
        DuckDBConnection c = session.connection();
        String database = ContentSummary.currentDatabase(c);
        String alias = "duckbridge_backup_" + id.toLowerCase(Locale.ROOT).replace('-', '_');
        execute(session, "ATTACH " + literal(copy.toString()) + " AS " + quote(alias));
        try {
            Snapshot snapshot;
            // the transaction is begun and ended in SQL, not through the driver's auto-commit switch: when DuckDB
            // cannot write the copy (a full disk) its COMMIT fails and DuckDB ends the transaction itself, while
            // the driver would go on believing it open, answer the next setAutoCommit(true) with a second COMMIT
            // ("cannot commit - no transaction is active") that hid the first error, and run every later
            // backup on this reader without a transaction
            execute(session, "BEGIN TRANSACTION");
            try {
                long started = System.nanoTime();
                List<TableChecksum> tables = ContentSummary.checksums(c, database, false);
                Map<String, List<Map<String, Object>>> state = ContentSummary.state(c, database);
                long copyStart = System.nanoTime();
                execute(session, "COPY FROM DATABASE " + quote(database) + " TO " + quote(alias));
                // running jobs' staging tables are half-done work, not data (a restore leaves the live ones alone)
                for (String[] t : ContentSummary.jobTables(c, database)) {
                    execute(session, "DROP TABLE " + quote(alias) + "." + quote(t[0]) + "." + quote(t[1]));
                }
                execute(
                        session,
                        "DROP SCHEMA IF EXISTS " + quote(alias) + "." + quote(ContentSummary.JOB_SCHEMA) + " CASCADE");
                snapshot = new Snapshot(
                        database,
                        tables,
                        state,
                        Duration.ofNanos(copyStart - started).toMillis(),
                        Duration.ofNanos(System.nanoTime() - copyStart).toMillis());
            } catch (SQLException | RuntimeException e) {
                BackupRestorer.rollback(c, e);
                throw e;
            }
            try {
                execute(session, "COMMIT");
            } catch (SQLException e) {
                BackupRestorer.rollback(c, e);
                // the transaction only read the live database and wrote the private copy, which nobody else
                // writes: its COMMIT fails only when the copy cannot be written, whatever type DuckDB gives it
                throw new DuckbridgeException(
                        ErrorClass.IO, "writing the backup copy " + copy + " failed: " + e.getMessage(), e);
            }
            execute(session, "CHECKPOINT " + quote(alias));
            return snapshot;
        } finally {
            try {
                execute(session, "DETACH " + quote(alias));
            } catch (SQLException e) {
                log.warn("could not detach the backup copy {}: {}", alias, e.getMessage());
            }
        }
    }

    private static void execute(ReadSession session, String sql) throws SQLException {
        try (Statement st = session.statement()) {
            st.execute(sql);
        }
    }
}
