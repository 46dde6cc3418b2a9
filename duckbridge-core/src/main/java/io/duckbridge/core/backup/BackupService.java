package io.duckbridge.core.backup;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.LeftoverTables;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.files.FileSync;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.lake.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups of one {@link DuckDbEngine}'s database into one local directory: create (online and consistent),
 * list, validate, restore (online, under a short write pause), delete and prune by a
 * {@link RetentionPolicy}. The {@code submit*} methods run the long operations as {@link Job}s with
 * progress. {@link #restoreOffline} restores into a database file that no process has open (the CLI on a
 * stopped service).
 *
 * <p>Thread-safe: one backup or restore runs at a time (a second one fails with CONFLICT); listing and
 * validation run alongside. Owns no resources beyond files; the engine is the caller's.
 */
public final class BackupService {
    private static final Logger log = LoggerFactory.getLogger(BackupService.class);

    private final DuckDbEngine engine;
    private final BackupSettings settings;
    private final BackupCatalog catalog;
    private final ReentrantLock exclusive = new ReentrantLock();
    private volatile ObjectStore remote;
    private final List<RestoreListener> restoreListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Removes leftovers of interrupted backups in the directory and staging tables of an interrupted
     * restore in the database (none can be running yet).
     */
    public BackupService(DuckDbEngine engine, BackupSettings settings) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.catalog = new BackupCatalog(settings);
        catalog.removeLeftovers();
        LeftoverTables.dropQuietly(engine, BackupRestorer.STAGING_PREFIX, null, "an interrupted restore");
    }

    public BackupSettings settings() {
        return settings;
    }

    public BackupCatalog catalog() {
        return catalog;
    }

    /**
     * Uploads every new backup (archive, then manifest) to {@code store} under {@code <id>/}, and deletes
     * the remote copies of backups that retention deletes. Null turns uploads off.
     */
    public void uploadTo(ObjectStore store) {
        this.remote = store;
    }

    /** Adds a listener told before and after each online restore swaps the contents. */
    public void addRestoreListener(RestoreListener listener) {
        restoreListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    // ---- create --------------------------------------------------------------------------------

    /**
     * Takes a consistent backup now and, when configured, validates it and applies the retention policy.
     *
     * @throws DuckbridgeException CONFLICT when a backup or restore is already running, IO when the
     *     directory cannot be written, INVALID_REQUEST/INTERNAL when the new backup fails validation
     *     (it is deleted then)
     */
    public BackupManifest create(JobContext progress) {
        return exclusively("a backup", () -> {
            BackupManifest manifest = run("backup", () -> new BackupWriter(engine, catalog, settings).create(progress));
            if (settings.validateAfterCreate()) {
                BackupValidation validation = validate(manifest.id(), JobContext.none());
                if (!validation.valid()) {
                    catalog.delete(manifest.id());
                    throw new DuckbridgeException(
                            ErrorClass.INTERNAL,
                            "backup " + manifest.id() + " failed its validation and was deleted: "
                                    + String.join("; ", validation.problems()));
                }
            }
            ObjectStore store = remote;
            try {
                if (store != null) {
                    upload(store, manifest);
                }
            } finally {
                // the local backup is complete whether or not object storage took its copy: retention runs
                // either way, or backups would pile up locally for as long as the storage is down
                if (!settings.retention().keepsEverything()) {
                    prune();
                }
            }
            if (store != null) {
                uploadMissed(store, manifest.id());
            }
            return manifest;
        });
    }

    /**
     * Uploads the kept backups that have no remote copy yet — their upload failed while the storage was down,
     * or they were made before the upload target was configured — once the new backup's upload has shown the
     * storage is back. Oldest first; stops at the first failure (logged: the new backup itself is complete and
     * uploaded, and the next backup tries again).
     */
    private void uploadMissed(ObjectStore store, String newId) {
        List<BackupManifest> missed = new ArrayList<>(catalog.list().stream()
                .filter(m -> !m.id().equals(newId))
                .filter(m -> catalog.remoteLocation(m.id()).isEmpty())
                .filter(m -> presumedValid(catalog, m))
                .toList());
        Collections.reverse(missed);
        for (BackupManifest m : missed) {
            try {
                upload(store, m);
                log.info(
                        "uploaded backup {}, whose earlier upload had not happened, to {}",
                        m.id(),
                        store.uri(m.id() + "/"));
            } catch (RuntimeException e) {
                log.warn(
                        "could not upload the earlier backup {} (the next backup tries again): {}",
                        m.id(),
                        e.getMessage());
                return;
            }
        }
    }

    private void upload(ObjectStore store, BackupManifest manifest) {
        String prefix = manifest.id() + "/";
        try {
            store.put(prefix + BackupCatalog.ARCHIVE, catalog.archive(manifest));
            store.write(prefix + BackupCatalog.MANIFEST, Files.readAllBytes(catalog.manifestFile(manifest.id())));
            catalog.recordRemote(manifest.id(), store.uri(prefix + BackupCatalog.ARCHIVE));
        } catch (IOException | RuntimeException e) {
            ErrorClass errorClass = e instanceof DuckbridgeException d ? d.errorClass() : ErrorClass.IO;
            throw new DuckbridgeException(
                    errorClass,
                    "backup " + manifest.id() + " was written locally, but its upload to " + store.uri(prefix)
                            + " failed: " + e.getMessage(),
                    e);
        }
    }

    // ---- remote copies -------------------------------------------------------------------------

    /**
     * The backups in the upload target, newest first: every {@code <id>/manifest.json} there (a remote copy
     * whose manifest is missing is incomplete and not listed; an unreadable manifest is skipped with a
     * warning).
     *
     * @throws DuckbridgeException INVALID_REQUEST when no upload target is configured; the store's failure
     *     classes when it cannot be listed
     */
    public List<BackupManifest> listRemote() {
        ObjectStore store = requireRemote();
        List<BackupManifest> found = new ArrayList<>();
        for (var object : store.list("")) {
            String key = object.key();
            int slash = key.indexOf('/');
            if (slash <= 0 || !key.substring(slash + 1).equals(BackupCatalog.MANIFEST)) {
                continue;
            }
            String id = key.substring(0, slash);
            try {
                byte[] content = store.read(key).orElse(null);
                if (content == null) {
                    continue; // deleted meanwhile
                }
                BackupManifest m = catalog.parseManifest(content, store.uri(key));
                if (m.id().equals(id)) {
                    found.add(m);
                } else {
                    log.warn("ignoring {}: its manifest names backup {}", store.uri(key), m.id());
                }
            } catch (DuckbridgeException e) {
                if (e.errorClass() != ErrorClass.INVALID_REQUEST) {
                    throw e;
                }
                log.warn("ignoring remote backup {}: {}", id, e.getMessage());
            }
        }
        found.sort(java.util.Comparator.comparing(BackupManifest::createdAt)
                .thenComparing(BackupManifest::id)
                .reversed());
        return found;
    }

    /**
     * Copies backup {@code id} from the upload target into the local directory (archive verified by the
     * store, then against the manifest's size and SHA-256; published like a new backup, so a failed
     * download leaves nothing listed). Afterwards it can be validated and restored like any local backup.
     * Returns the local manifest; a backup already present locally is returned as it is.
     *
     * @throws DuckbridgeException INVALID_REQUEST when no upload target is configured, NOT_FOUND when the
     *     target has no complete backup {@code id}, IO when the downloaded archive does not match its manifest
     */
    public BackupManifest download(String id, JobContext progress) {
        Optional<BackupManifest> local = catalog.find(id);
        if (local.isPresent()) {
            return local.get();
        }
        ObjectStore store = requireRemote();
        String prefix = id + "/";
        return run("the download of backup " + id, () -> {
            byte[] content = store.read(prefix + BackupCatalog.MANIFEST)
                    .orElseThrow(() -> new DuckbridgeException(
                            ErrorClass.NOT_FOUND,
                            "no complete backup " + id + " at " + store.uri(prefix) + " (no manifest)"));
            BackupManifest manifest = catalog.parseManifest(content, store.uri(prefix + BackupCatalog.MANIFEST));
            if (!manifest.id().equals(id)) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "the manifest at " + store.uri(prefix) + " names backup " + manifest.id() + ", not " + id);
            }
            Path partial = catalog.startPartial(id);
            boolean published = false;
            try {
                progress.total(manifest.archiveBytes(), "bytes");
                Path archive = partial.resolve(BackupCatalog.ARCHIVE);
                store.get(prefix + manifest.archive(), archive);
                progress.advance(manifest.archiveBytes());
                long size = Files.size(archive);
                String sha256 = ArchiveCodec.sha256(archive);
                if (size != manifest.archiveBytes() || !sha256.equals(manifest.sha256())) {
                    throw new DuckbridgeException(
                            ErrorClass.IO,
                            "the archive downloaded from " + store.uri(prefix) + " is " + size + " bytes with SHA-256 "
                                    + sha256 + ", but its manifest says " + manifest.archiveBytes() + " bytes and "
                                    + manifest.sha256());
                }
                FileSync.file(archive);
                catalog.publish(partial, manifest);
                published = true;
                catalog.recordRemote(id, store.uri(prefix + manifest.archive()));
                log.info("downloaded backup {} from {}", id, store.uri(prefix));
                return manifest;
            } finally {
                if (!published) {
                    BackupCatalog.deleteTree(partial);
                }
            }
        });
    }

    private ObjectStore requireRemote() {
        ObjectStore store = remote;
        if (store == null) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "no remote backup location: set duckbridge.backup.s3-target (and duckbridge.lake.s3.*)");
        }
        return store;
    }

    // ---- read ----------------------------------------------------------------------------------

    /** Complete backups, newest first. */
    public List<BackupManifest> list() {
        return catalog.list();
    }

    /** @throws DuckbridgeException NOT_FOUND for an unknown id */
    public BackupManifest get(String id) {
        return catalog.get(id);
    }

    /** The last recorded validation of a backup, if any. */
    public Optional<BackupValidation> lastValidation(String id) {
        return catalog.lastValidation(id);
    }

    /**
     * The newest backup not known to be invalid: validated successfully, or never validated but with an
     * archive matching its manifest's size. Used by health checks and retention.
     */
    public Optional<BackupManifest> newestValid() {
        // one dated in the future (a clock stepped back) would report a negative age as healthy
        Instant now = Instant.now();
        return list().stream()
                .filter(m -> !RetentionPolicy.datedInTheFuture(m, now))
                .filter(m -> presumedValid(catalog, m))
                .findFirst();
    }

    /**
     * Whether {@code m} may be kept as the newest valid backup in place of older ones: its last validation says so,
     * or, never validated, its archive has the manifest's size and SHA-256. A mismatch is recorded like a
     * validation's, so it is found once.
     */
    private static boolean checkedValid(BackupCatalog catalog, BackupManifest m) {
        Optional<BackupValidation> last = catalog.lastValidation(m.id());
        if (last.isPresent()) {
            return last.get().valid();
        }
        if (!sizeMatches(catalog, m)) {
            return false;
        }
        String actual;
        try {
            actual = ArchiveCodec.sha256(catalog.archive(m));
        } catch (IOException | RuntimeException e) {
            actual = null;
        }
        if (m.sha256().equals(actual)) {
            return true;
        }
        String problem = actual == null
                ? "the archive " + catalog.archive(m) + " cannot be read"
                : "SHA-256 of " + m.archive() + " is " + actual + ", the manifest says " + m.sha256()
                        + " (the archive was altered or damaged)";
        log.warn("backup {} is damaged and is not kept in place of an older one: {}", m.id(), problem);
        catalog.recordValidation(BackupValidation.of(m.id(), List.of(problem)));
        return false;
    }

    private static boolean presumedValid(BackupCatalog catalog, BackupManifest m) {
        Optional<BackupValidation> last = catalog.lastValidation(m.id());
        return last.isPresent() ? last.get().valid() : sizeMatches(catalog, m);
    }

    private static boolean sizeMatches(BackupCatalog catalog, BackupManifest m) {
        try {
            return Files.size(catalog.archive(m)) == m.archiveBytes();
        } catch (IOException e) {
            return false;
        }
    }

    // ---- validate ------------------------------------------------------------------------------

    /**
     * Validates a backup (checksums, then a read-only restore into a scratch file compared with the
     * manifest) and records the outcome beside it.
     *
     * @throws DuckbridgeException NOT_FOUND for an unknown id
     */
    public BackupValidation validate(String id, JobContext progress) {
        return validate(catalog, id, engine.duckdbVersion(), progress);
    }

    /**
     * {@link #validate} of a backup in {@code backupDirectory} without a database: the backup is decompressed
     * into the directory's scratch area and opened by a separate read-only DuckDB instance, so it works while
     * a server holds the database file, or when that file is gone. Leftovers of other processes' backups are
     * left alone (a running server may be writing one).
     *
     * @param duckdbVersion this DuckDB's version; table checksums are compared only with a backup written by
     *     the same version (null compares them always)
     * @throws DuckbridgeException NOT_FOUND for an unknown id
     */
    public static BackupValidation validateOffline(
            Path backupDirectory, String id, String duckdbVersion, JobContext progress) {
        return validate(new BackupCatalog(BackupSettings.defaults(backupDirectory)), id, duckdbVersion, progress);
    }

    private static BackupValidation validate(
            BackupCatalog catalog, String id, String duckdbVersion, JobContext progress) {
        BackupManifest manifest = catalog.get(id);
        Path scratch = scratchFile(catalog, "validate-" + id);
        try {
            BackupValidation validation =
                    BackupValidator.validate(catalog, manifest, scratch, duckdbVersion, progress, 0);
            catalog.recordValidation(validation);
            if (!validation.valid()) {
                log.warn("backup {} is invalid: {}", id, validation.problems());
            }
            return validation;
        } finally {
            BackupValidator.deleteScratch(scratch);
        }
    }

    // ---- restore -------------------------------------------------------------------------------

    /**
     * Restores a backup into the running engine: decompress into a scratch file, validate it, copy its
     * tables into the live database under staging names (outside the writer lane), then replace the live
     * contents in one short writer-lane transaction (see {@link BackupRestorer} for the backups that are
     * copied on the lane instead). Reads continue throughout; writes wait only for the lane step, whose
     * length is reported. Sync and CDC state tables come back with the data, so CDC
     * resumes from the backup's applied LSN once restarted. Progress is in bytes: the archive's once, the
     * database's three times (decompressed, compared, copied in); a job shows all of it only once it succeeded.
     *
     * @throws DuckbridgeException NOT_FOUND for an unknown id, CONFLICT when the backup is invalid (the live
     *     database is untouched) or another backup or restore is running
     */
    public RestoreResult restore(String id, JobContext progress) {
        return exclusively("a restore", () -> {
            long started = System.nanoTime();
            BackupManifest manifest = catalog.get(id);
            Path scratch = scratchFile("restore-" + id);
            // the copy into the live database and the swap report nothing while they run: the job shows all
            // of its total (their share is the database's size) only once it has succeeded
            progress.completeOnlyOnSuccess();
            try {
                BackupValidation validation = BackupValidator.validate(
                        catalog, manifest, scratch, engine.duckdbVersion(), progress, manifest.databaseBytes());
                catalog.recordValidation(validation);
                if (!validation.valid()) {
                    throw new DuckbridgeException(
                            ErrorClass.CONFLICT,
                            "backup " + id + " is invalid and was not restored: "
                                    + String.join("; ", validation.problems()));
                }
                progress.checkCancelled();
                restoreListeners.forEach(l -> l.beforeSwap(manifest));
                BackupRestorer.Swap swap;
                boolean swapped = false;
                try {
                    swap = BackupRestorer.swapOnline(engine, scratch, id);
                    swapped = true;
                    progress.advance(manifest.databaseBytes());
                } finally {
                    // a cancelled restore's thread is interrupted, but what stopped for the swap (CDC) must
                    // start again all the same: the listeners run with the flag cleared, and it is set again
                    boolean interrupted = Thread.interrupted();
                    try {
                        for (RestoreListener l : restoreListeners) {
                            try {
                                l.afterSwap(manifest, swapped);
                            } catch (RuntimeException e) {
                                log.error(
                                        "a restore listener failed after restoring backup {}: {}", id, e.getMessage());
                            }
                        }
                    } finally {
                        if (interrupted) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
                log.info(
                        "restored backup {}; writes paused {} ms ({})",
                        id,
                        swap.writePauseMillis(),
                        swap.staged() ? "copied outside the writer lane, then swapped" : "copied on the writer lane");
                return new RestoreResult(
                        id,
                        manifest.rowCounts(),
                        manifest.state(),
                        swap.writePauseMillis(),
                        Duration.ofNanos(System.nanoTime() - started).toMillis(),
                        swap.staged());
            } finally {
                BackupValidator.deleteScratch(scratch);
            }
        });
    }

    /**
     * Restores backup {@code id} from {@code backupDirectory} into {@code databaseFile}, which no process
     * may have open: the archive is decompressed and validated in the directory's scratch area, then
     * moved over the file with an atomic rename (the old file's WAL is removed).
     *
     * @throws DuckbridgeException NOT_FOUND for an unknown id, CONFLICT when the backup is invalid or the
     *     file is in use, IO on a file system error
     */
    public static RestoreResult restoreOffline(
            Path backupDirectory, String id, Path databaseFile, String duckdbVersion, JobContext progress) {
        long started = System.nanoTime();
        BackupCatalog catalog = new BackupCatalog(BackupSettings.defaults(backupDirectory));
        BackupManifest manifest = catalog.get(id);
        // a killed offline restore left its copy (tens of GB for a large database); no server may start to clean it
        catalog.removeScratch("restore-" + id);
        Path scratch;
        try {
            scratch = catalog.scratchFile("restore-" + id);
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot create a scratch file in " + backupDirectory, e);
        }
        try {
            BackupValidation validation =
                    BackupValidator.validate(catalog, manifest, scratch, duckdbVersion, progress, 0);
            catalog.recordValidation(validation);
            if (!validation.valid()) {
                throw new DuckbridgeException(
                        ErrorClass.CONFLICT,
                        "backup " + id + " is invalid and was not restored: "
                                + String.join("; ", validation.problems()));
            }
            BackupRestorer.replaceFile(scratch, databaseFile);
            return new RestoreResult(
                    id,
                    manifest.rowCounts(),
                    manifest.state(),
                    0,
                    Duration.ofNanos(System.nanoTime() - started).toMillis(),
                    false);
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.IO, "restoring backup " + id + " into " + databaseFile + ": " + e, e);
        } finally {
            BackupValidator.deleteScratch(scratch);
        }
    }

    // ---- delete and prune ----------------------------------------------------------------------

    /**
     * Deletes a backup and, when uploads are on, its remote copy — also a backup that exists only there (its
     * local copy was deleted while the store was down, or by {@code backup prune}).
     *
     * @return whether the backup existed, here or in the upload target
     */
    public boolean delete(String id) {
        boolean uploaded = catalog.remoteLocation(id).isPresent();
        boolean existed = catalog.delete(id);
        ObjectStore store = remote;
        if (existed && uploaded && store != null) {
            try {
                deleteRemoteOrThrow(store, id);
            } catch (RuntimeException e) {
                // the caller was told "deleted" while a copy stayed: say what is left and how to finish
                throw new DuckbridgeException(
                        ErrorClass.SOURCE_UNAVAILABLE,
                        "backup " + id + " was deleted locally, but its remote copy could not be deleted ("
                                + e.getMessage() + "); send the DELETE again when the storage answers",
                        e);
            }
        }
        if (!existed
                && store != null
                && BackupCatalog.isId(id)
                && store.stat(id + "/" + BackupCatalog.MANIFEST).isPresent()) {
            deleteRemote(store, id);
            return true;
        }
        return existed;
    }

    private static void deleteRemote(ObjectStore store, String id) {
        try {
            deleteRemoteOrThrow(store, id);
        } catch (RuntimeException e) {
            log.warn("could not delete the remote copy of backup {}: {}", id, e.getMessage());
        }
    }

    private static void deleteRemoteOrThrow(ObjectStore store, String id) {
        // the manifest first, so a half-deleted remote backup has no manifest
        store.delete(List.of(id + "/" + BackupCatalog.MANIFEST));
        store.delete(List.of(id + "/" + BackupCatalog.ARCHIVE));
    }

    /** Deletes the backups the retention policy expires; never the newest valid one. Returns their ids. */
    public List<String> prune() {
        return prune(settings.retention(), Instant.now());
    }

    /** {@link #prune()} with an explicit policy and clock, for the CLI and tests. */
    public List<String> prune(RetentionPolicy policy, Instant now) {
        return prune(catalog, policy, now, remote);
    }

    /**
     * {@link #prune(RetentionPolicy, Instant)} of the backups in {@code backupDirectory} without a database, for
     * the CLI: it works while a server holds the database file (a backup it is still writing is not listed, so
     * not deleted) or when that file is gone. Remote copies are not deleted.
     */
    public static List<String> pruneOffline(Path backupDirectory, RetentionPolicy policy, Instant now) {
        return prune(new BackupCatalog(BackupSettings.defaults(backupDirectory)), policy, now, null);
    }

    private static List<String> prune(BackupCatalog catalog, RetentionPolicy policy, Instant now, ObjectStore store) {
        List<BackupManifest> all = catalog.list();
        List<String> future = all.stream()
                .filter(m -> RetentionPolicy.datedInTheFuture(m, now))
                .map(BackupManifest::id)
                .toList();
        if (!future.isEmpty()) {
            log.warn(
                    "backups {} are dated after now ({}): the clock was stepped back, or they came from another host;"
                            + " retention keeps them and does not count them, delete them by hand when they are not"
                            + " needed",
                    future,
                    now);
        }
        List<String> deleted = new ArrayList<>();
        // the backup that is kept as the newest valid one is checked whole (its archive's SHA-256) unless a
        // validation vouches for it: a damaged newest one kept in place of an intact older one loses both
        for (BackupManifest m : policy.expired(all, now, b -> checkedValid(catalog, b))) {
            boolean uploaded = catalog.remoteLocation(m.id()).isPresent();
            if (catalog.delete(m.id())) {
                deleted.add(m.id());
                if (store != null && uploaded) {
                    deleteRemote(store, m.id());
                }
            }
        }
        if (!deleted.isEmpty()) {
            log.info("retention deleted backups {}", deleted);
        }
        return deleted;
    }

    // ---- jobs ----------------------------------------------------------------------------------

    /** Runs {@link #create} as a BACKUP job; its result is {@link #describe} of the new backup. */
    public Job submitCreate(JobRunner jobs) {
        return jobs.submit(JobKind.BACKUP, "backup of " + engine.settings().databasePath(), ctx -> {
            BackupManifest m = create(ctx);
            Map<String, Object> result = describe(m);
            result.put("validated", settings.validateAfterCreate());
            return result;
        });
    }

    /** Runs {@link #restore} as a RESTORE job. */
    public Job submitRestore(JobRunner jobs, String id) {
        catalog.get(id);
        return jobs.submit(JobKind.RESTORE, "restore of backup " + id, ctx -> {
            RestoreResult r = restore(id, ctx);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("id", r.id());
            result.put("tables", r.tables());
            result.put("state", r.state());
            result.put("writePauseMillis", r.writePauseMillis());
            result.put("durationMillis", r.durationMillis());
            result.put("staged", r.staged());
            return result;
        });
    }

    /**
     * A backup as the HTTP API shows it: {@code id, createdAt, sizeBytes, locations, tables, sha256} and the
     * rest of the manifest.
     */
    public Map<String, Object> describe(BackupManifest m) {
        return describe(catalog, m);
    }

    /** {@link #describe(BackupManifest)} of a backup in {@code catalog}, without a database (the CLI's list). */
    public static Map<String, Object> describe(BackupCatalog catalog, BackupManifest m) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", m.id());
        view.put("createdAt", m.createdAt().toString());
        view.put("sizeBytes", m.archiveBytes());
        view.put("databaseBytes", m.databaseBytes());
        List<String> locations = new ArrayList<>();
        locations.add(catalog.archive(m).toString());
        catalog.remoteLocation(m.id()).ifPresent(locations::add);
        view.put("locations", locations);
        view.put("tables", m.rowCounts());
        view.put("sha256", m.sha256());
        view.put("duckbridgeVersion", m.duckbridgeVersion());
        view.put("duckdbVersion", m.duckdbVersion());
        view.put("writePauseMillis", m.writePauseMillis());
        view.put("durationMillis", m.durationMillis());
        view.put("state", m.state());
        catalog.lastValidation(m.id()).ifPresent(v -> {
            Map<String, Object> validation = new LinkedHashMap<>();
            validation.put("valid", v.valid());
            validation.put("problems", v.problems());
            if (!v.notes().isEmpty()) {
                validation.put("notes", v.notes());
            }
            view.put("lastValidation", validation);
        });
        return view;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private interface Body<T> {
        T run() throws Exception;
    }

    private <T> T exclusively(String what, Body<T> body) {
        if (!exclusive.tryLock()) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT, "cannot start " + what + ": another backup or restore is running");
        }
        try {
            return run(what, body);
        } finally {
            exclusive.unlock();
        }
    }

    private static <T> T run(String what, Body<T> body) {
        try {
            return body.run();
        } catch (DuckbridgeException e) {
            throw e;
        } catch (IOException e) {
            // the message, not the exception's class name: "backup failed: cannot write the archive …: No space …"
            throw new DuckbridgeException(
                    ErrorClass.IO, what + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        } catch (SQLException e) {
            throw io.duckbridge.core.error.DuckDbErrors.wrap(what + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(ErrorClass.CANCELLED, what + " was interrupted", e);
        } catch (Exception e) {
            throw new DuckbridgeException(ErrorClass.INTERNAL, what + " failed: " + e, e);
        }
    }

    private Path scratchFile(String prefix) {
        return scratchFile(catalog, prefix);
    }

    private static Path scratchFile(BackupCatalog catalog, String prefix) {
        try {
            return catalog.scratchFile(prefix);
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot create a scratch file in " + catalog.directory(), e);
        }
    }
}
