package io.duckbridge.core.backup;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.files.FileSync;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The backup directory on disk. Each complete backup is a directory {@code <id>/} holding
 * {@code database.duckdb.zst} and {@code manifest.json} (and, once validated, {@code validation.json}).
 * A backup is built in {@code .partial-<id>/}: archive written and fsynced, manifest written last, then
 * the directory is renamed to {@code <id>} and the parent fsynced. Listing only reads directories whose
 * names do not start with a dot and that hold a readable manifest, so a backup killed half-way is never
 * listed; {@link #removeLeftovers()} deletes what such a backup left behind.
 *
 * <p>Thread-safe for reading; creating and deleting are serialised by {@link BackupService}.
 */
public final class BackupCatalog {
    static final String ARCHIVE = "database.duckdb.zst";
    static final String MANIFEST = "manifest.json";
    static final String VALIDATION = "validation.json";
    static final String REMOTE = "remote.txt";
    private static final String PARTIAL_PREFIX = ".partial-";
    private static final String DELETING_PREFIX = ".deleting-";
    private static final Pattern ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$");
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Logger log = LoggerFactory.getLogger(BackupCatalog.class);

    private final Path directory;
    private final Path scratch;
    private final JsonMapper json = JsonMapper.builder().build();

    public BackupCatalog(BackupSettings settings) {
        this.directory = settings.directory();
        this.scratch = settings.scratchDirectory();
    }

    public Path directory() {
        return directory;
    }

    /** Every complete backup, newest first. Partial and unreadable ones are skipped. */
    public List<BackupManifest> list() {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<BackupManifest> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith(".")
                        || !Files.isDirectory(entry)
                        || !ID.matcher(name).matches()) {
                    continue;
                }
                readManifest(entry).ifPresent(found::add);
            }
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot list the backup directory " + directory + ": " + e, e);
        }
        found.sort(Comparator.comparing(BackupManifest::createdAt)
                .thenComparing(BackupManifest::id)
                .reversed());
        return found;
    }

    /** Whether {@code id} has the form of a backup id (safe as one name in a path or an object key). */
    static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** The backup with this id, if it is complete. */
    public Optional<BackupManifest> find(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return readManifest(directory.resolve(id));
    }

    /** @throws DuckbridgeException NOT_FOUND when there is no complete backup with this id */
    public BackupManifest get(String id) {
        return find(id).orElseThrow(() -> {
            if (id != null && ID.matcher(id).matches() && Files.isDirectory(directory.resolve(id))) {
                // there is a directory, but its manifest is missing, unreadable, or names another backup
                return new DuckbridgeException(
                        ErrorClass.NOT_FOUND,
                        "no usable backup with id " + id + " in " + directory + ": its " + MANIFEST
                                + " is missing, unreadable or names another backup (the server log says which);"
                                + " such a directory is not a backup and can be deleted by hand");
            }
            return new DuckbridgeException(ErrorClass.NOT_FOUND, "no backup with id " + id + " in " + directory);
        });
    }

    /** The archive file of a backup. */
    public Path archive(BackupManifest manifest) {
        return directory.resolve(manifest.id()).resolve(manifest.archive());
    }

    /** The last recorded validation of a backup, if it was ever validated. */
    public Optional<BackupValidation> lastValidation(String id) {
        Path file = directory.resolve(id).resolve(VALIDATION);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(file.toFile(), BackupValidation.class));
        } catch (RuntimeException e) {
            log.warn("ignoring unreadable {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Where a copy of the backup's archive was uploaded, if it was. */
    public Optional<String> remoteLocation(String id) {
        Path file = directory.resolve(id).resolve(REMOTE);
        try {
            return Files.isRegularFile(file)
                    ? Optional.of(Files.readString(file).strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records where a copy of the backup's archive was uploaded. */
    void recordRemote(String id, String uri) throws IOException {
        writeAtomically(directory.resolve(id), REMOTE, uri.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Path manifestFile(String id) {
        return directory.resolve(id).resolve(MANIFEST);
    }

    /**
     * Deletes a backup: first renamed out of the listing, then removed.
     *
     * @return whether it existed
     */
    public boolean delete(String id) {
        if (find(id).isEmpty()) {
            return false;
        }
        Path source = directory.resolve(id);
        Path doomed = directory.resolve(DELETING_PREFIX + id);
        try {
            Files.move(source, doomed, StandardCopyOption.ATOMIC_MOVE);
            FileSync.directory(directory);
            deleteTree(doomed);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot delete backup " + id + ": " + e, e);
        }
        return true;
    }

    /** Removes what interrupted backups, deletions and validations left behind. Call when none is running. */
    public void removeLeftovers() {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith(PARTIAL_PREFIX) || name.startsWith(DELETING_PREFIX)) {
                    log.info("removing {} left by an interrupted backup", entry);
                    deleteTree(entry);
                }
            }
            if (Files.isDirectory(scratch)) {
                deleteTree(scratch);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not remove every leftover in {}: {}", directory, e.toString());
        }
    }

    // ---- writing (package-private: BackupWriter and BackupValidator) -------------------------

    static String newId(Instant now) {
        return ID_TIME.format(now) + "-"
                + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /** A fresh, empty directory for a backup being built. */
    Path startPartial(String id) throws IOException {
        Files.createDirectories(directory);
        Path partial = directory.resolve(PARTIAL_PREFIX + id);
        Files.createDirectory(partial);
        return partial;
    }

    /**
     * Deletes scratch files named {@code prefix-…} (and their WALs) that an interrupted run of the same work left:
     * for work that cannot run twice at once, such as an offline restore into a database no process has open.
     */
    void removeScratch(String prefix) {
        if (!Files.isDirectory(scratch)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(scratch, prefix + "-*")) {
            for (Path entry : entries) {
                log.info("removing {} left by an interrupted run", entry);
                Files.deleteIfExists(entry);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not remove the leftovers {}-* in {}: {}", prefix, scratch, e.toString());
        }
    }

    /** A scratch file path (not created) for a copy or a validation. */
    Path scratchFile(String prefix) throws IOException {
        Files.createDirectories(scratch);
        return scratch.resolve(
                prefix + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".duckdb");
    }

    /** Writes the manifest into {@code partial}, then publishes the directory under the backup's id. */
    void publish(Path partial, BackupManifest manifest) throws IOException {
        writeAtomically(partial, MANIFEST, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
        FileSync.directory(partial);
        Path target = directory.resolve(manifest.id());
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the backup directory " + directory + " does not support atomic renames", e);
        }
        FileSync.directory(directory);
    }

    /** Records the outcome of a validation beside the backup (ignored when the backup is gone). */
    void recordValidation(BackupValidation validation) {
        Path dir = directory.resolve(validation.id());
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            writeAtomically(dir, VALIDATION, json.writeValueAsBytes(validation));
        } catch (IOException | RuntimeException e) {
            log.warn("could not record the validation of backup {}: {}", validation.id(), e.toString());
        }
    }

    String toJson(Object value) {
        return json.writeValueAsString(value);
    }

    /**
     * Parses a manifest read from elsewhere (a remote copy).
     *
     * @throws DuckbridgeException INVALID_REQUEST when it is not a manifest
     */
    BackupManifest parseManifest(byte[] content, String source) {
        BackupManifest manifest;
        try {
            manifest = json.readValue(content, BackupManifest.class);
        } catch (RuntimeException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "the manifest at " + source + " is unreadable: " + e.getMessage(), e);
        }
        if (!ARCHIVE.equals(manifest.archive())) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, strangeArchive(source, manifest));
        }
        return manifest;
    }

    /**
     * Why a manifest whose archive is not {@value #ARCHIVE} is refused: Duckbridge writes no other name, and
     * another one (a path, say) would be read, downloaded or restored from somewhere else.
     */
    private static String strangeArchive(Object source, BackupManifest manifest) {
        return "the manifest at " + source + " names the archive \"" + manifest.archive() + "\"; a Duckbridge backup's"
                + " archive is always " + ARCHIVE + ", so this manifest was not written by Duckbridge or was changed";
    }

    private Optional<BackupManifest> readManifest(Path backupDir) {
        Path file = backupDir.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            BackupManifest m = json.readValue(file.toFile(), BackupManifest.class);
            if (!m.id().equals(backupDir.getFileName().toString())) {
                log.warn("ignoring {}: its manifest names backup {}", backupDir, m.id());
                return Optional.empty();
            }
            if (!ARCHIVE.equals(m.archive())) {
                log.warn("ignoring {}: {}", backupDir, strangeArchive(file, m));
                return Optional.empty();
            }
            return Optional.of(m);
        } catch (RuntimeException e) {
            log.warn("ignoring backup {}: unreadable manifest: {}", backupDir, e.getMessage());
            return Optional.empty();
        }
    }

    private static void writeAtomically(Path dir, String name, byte[] content) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            var buffer = java.nio.ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
