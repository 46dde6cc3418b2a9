package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.files.FileSync;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ObjectStore} in a local directory. Objects are written to a hidden temporary file beside their
 * final name, verified, synced to disk and renamed into place atomically, and the directory is synced after the
 * rename, so an object that is in place survives an operating-system crash or a power loss with its content (a
 * marker written after the files it declares complete can never be left pointing at empty or cut files).
 * {@link #putAll} and an export's {@link #move}s sync each directory they wrote into once for all their files, not
 * once per file. Thread-safe.
 */
public final class LocalObjectStore implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(LocalObjectStore.class);
    private final Path root;
    private final DiskSync disk;

    /** @param root the directory holding the objects; created on first write */
    public LocalObjectStore(Path root) {
        this(root, DiskSync.FILE_SYNC);
    }

    /** @param disk how files and directories are synced: {@link DiskSync#FILE_SYNC}, or a test's recording fake */
    LocalObjectStore(Path root, DiskSync disk) {
        this.root = root.toAbsolutePath().normalize();
        this.disk = disk;
    }

    /**
     * Flushes what the store writes to disk. {@link #FILE_SYNC} does it with {@link FileSync}; tests record the
     * calls to see what was synced, and in which order. Implementations are thread-safe.
     */
    interface DiskSync {
        DiskSync FILE_SYNC = new DiskSync() {
            @Override
            public void file(Path file) throws IOException {
                FileSync.file(file);
            }

            @Override
            public void directory(Path directory) throws IOException {
                FileSync.directory(directory);
            }
        };

        /** Flushes a file's content and size. */
        void file(Path file) throws IOException;

        /** Flushes a directory's entries (a rename or a new file or directory in it). */
        void directory(Path directory) throws IOException;
    }

    public Path root() {
        return root;
    }

    @Override
    public String uri(String key) {
        return (key.isEmpty() ? root : resolve(key)).toUri().toString();
    }

    @Override
    public StoredObject put(String key, Path file) {
        StoredObject stored = copyIn(key, file);
        syncDirectoriesOf(List.of(key));
        return stored;
    }

    /**
     * {@link #put} without syncing the directory the object was renamed into: its entry is durable only after
     * {@link #syncDirectoriesOf} names its key.
     */
    private StoredObject copyIn(String key, Path file) {
        Path target = resolve(key);
        long size = size(file);
        String sha256 = Digests.sha256(file);
        Path temp = tempBeside(target);
        try {
            Files.createDirectories(target.getParent());
            Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
            verify(key, temp, size, sha256);
            disk.file(temp);
            moveAtomically(temp, target);
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot store " + file + " as " + target + ": " + e, e);
        } finally {
            deleteQuietly(temp);
        }
        return new StoredObject(key, size, sha256);
    }

    /**
     * Moves {@code file} to {@code key} without copying when both are on one file system (copies otherwise),
     * and verifies the result against the given size and SHA-256. The source is gone afterwards. The file's
     * content is synced to disk before it is renamed into place; its directory is not: an export moves many files
     * into few directories and then syncs each of them once with {@link #syncDirectoriesOf}, which it must do
     * before it writes anything that names the key (the manifest).
     */
    StoredObject move(String key, Path file, long size, String sha256) {
        Path target = resolve(key);
        try {
            Files.createDirectories(target.getParent());
            disk.file(file);
            boolean renamed;
            try {
                moveAtomically(file, target);
                renamed = true;
            } catch (IOException crossDevice) {
                renamed = false;
            }
            if (!renamed) {
                copyIn(key, file);
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot move " + file + " to " + target + ": " + e, e);
        }
        long stored = size(target);
        if (stored != size) {
            throw new DuckbridgeException(
                    ErrorClass.IO, target + " has " + stored + " bytes after the move, expected " + size);
        }
        return new StoredObject(key, size, sha256);
    }

    /** Stores the files one after the other, then syncs each directory they went into once. */
    @Override
    public List<StoredObject> putAll(Map<String, Path> files) {
        List<StoredObject> stored = new ArrayList<>();
        files.forEach((key, file) -> stored.add(copyIn(key, file)));
        syncDirectoriesOf(files.keySet());
        return stored;
    }

    @Override
    public StoredObject get(String key, Path target) {
        Path source = resolve(key);
        if (!Files.isRegularFile(source)) {
            throw new DuckbridgeException(ErrorClass.NOT_FOUND, "no object " + source);
        }
        long size = size(source);
        String sha256 = Digests.sha256(source);
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot copy " + source + " to " + target + ": " + e, e);
        }
        verify(key, target, size, sha256);
        return new StoredObject(key, size, sha256);
    }

    @Override
    public Optional<StoredObject> stat(String key) {
        Path file = resolve(key);
        return Files.isRegularFile(file) ? Optional.of(new StoredObject(key, size(file), null)) : Optional.empty();
    }

    @Override
    public List<StoredObject> list(String prefix) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(f -> root.relativize(f).toString().replace('\\', '/'))
                    .filter(k -> k.startsWith(prefix) && !isTemp(k))
                    .sorted()
                    .map(k -> new StoredObject(k, size(resolve(k)), null))
                    .toList();
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot list " + root + ": " + e, e);
        }
    }

    @Override
    public void delete(Collection<String> keys) {
        for (String key : keys) {
            Path file = resolve(key);
            try {
                Files.deleteIfExists(file);
                pruneEmptyParents(file.getParent());
            } catch (IOException e) {
                throw new DuckbridgeException(ErrorClass.IO, "cannot delete " + file + ": " + e, e);
            }
        }
    }

    @Override
    public Optional<byte[]> read(String key) {
        try {
            return Optional.of(Files.readAllBytes(resolve(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (!Files.exists(resolve(key))) {
                return Optional.empty(); // e.g. "Not a directory": the root is a file, which holds no objects
            }
            throw new DuckbridgeException(ErrorClass.IO, "cannot read " + resolve(key) + ": " + e, e);
        }
    }

    @Override
    public void write(String key, byte[] content) {
        Path target = resolve(key);
        Path temp = tempBeside(target);
        try {
            Files.createDirectories(target.getParent());
            Files.write(temp, content);
            verify(key, temp, content.length, Digests.sha256(content));
            disk.file(temp);
            moveAtomically(temp, target);
            syncDirectories(List.of(target.getParent()));
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot write " + target + ": " + e, e);
        } finally {
            deleteQuietly(temp);
        }
    }

    /**
     * Checks that the root, or the directory it will be created in, is writable. Creates nothing: an import's
     * source is only read, and a write creates the directories it needs. A root that is a file holds no objects;
     * the importer reads it as a single file.
     */
    @Override
    public void checkAccess() {
        Path existing = root;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && Files.isDirectory(existing) && !Files.isWritable(existing)) {
            throw new DuckbridgeException(ErrorClass.PERMISSION, existing + " is not writable");
        }
    }

    @Override
    public String path() {
        return "local";
    }

    private Path resolve(String key) {
        Path p = root.resolve(ObjectStore.checkKey(key)).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("object key " + key + " leaves the store's root");
        }
        return p;
    }

    private static void verify(String key, Path file, long size, String sha256) {
        long actual = size(file);
        String actualSha = Digests.sha256(file);
        if (actual != size || !actualSha.equals(sha256)) {
            throw new DuckbridgeException(
                    ErrorClass.IO,
                    "verification of " + key + " failed: stored " + actual + " bytes sha256 " + actualSha
                            + ", expected " + size + " bytes sha256 " + sha256);
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    /**
     * Makes the entries of these objects durable: syncs the directories they are in and every directory above those
     * up to the root's parent, each once, deepest first. Objects stored by {@link #move} are durable only after
     * this; call it once for all of them before writing what names them.
     *
     * @throws DuckbridgeException IO when a directory cannot be synced
     */
    void syncDirectoriesOf(Collection<String> keys) {
        List<Path> directories =
                keys.stream().map(k -> resolve(k).getParent()).distinct().toList();
        try {
            syncDirectories(directories);
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.IO,
                    "cannot sync the directories under " + root + " that hold " + keys.size()
                            + (keys.size() == 1 ? " new object: " : " new objects: ") + e,
                    e);
        }
    }

    /**
     * Syncs {@code dirs} and every directory above them up to the root's parent, each once, deepest first: a
     * directory created for an object (a version or partition directory, or the root itself) is an entry of its
     * parent, which must reach the disk too.
     */
    private void syncDirectories(Collection<Path> dirs) throws IOException {
        Path top = root.getParent() == null ? root : root.getParent();
        Set<Path> chain = new HashSet<>();
        for (Path dir : dirs) {
            Path d = dir;
            // once a directory is in the chain, so are the ones above it
            while (d != null && d.startsWith(top) && chain.add(d)) {
                d = d.getParent();
            }
        }
        List<Path> deepestFirst = new ArrayList<>(chain);
        deepestFirst.sort(
                Comparator.comparingInt(Path::getNameCount).reversed().thenComparing(Comparator.naturalOrder()));
        for (Path d : deepestFirst) {
            disk.directory(d);
        }
    }

    private void pruneEmptyParents(Path dir) throws IOException {
        while (dir != null && dir.startsWith(root) && !dir.equals(root) && Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    return;
                }
            }
            Files.deleteIfExists(dir);
            dir = dir.getParent();
        }
    }

    private static Path tempBeside(Path target) {
        return target.resolveSibling(".tmp-" + UUID.randomUUID() + "-" + target.getFileName());
    }

    private static boolean isTemp(String key) {
        int slash = key.lastIndexOf('/');
        return key.substring(slash + 1).startsWith(".tmp-");
    }

    static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "cannot read the size of " + file + ": " + e, e);
        }
    }

    /**
     * Deletes the entries of {@code dir} named {@code prefix}... that {@code inUse} does not claim: what
     * interrupted runs left (logged as left by {@code what}). A missing directory holds nothing.
     */
    static void removeStale(Path dir, String prefix, Predicate<String> inUse, String what) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(prefix) && !inUse.test(name)) {
                    log.info("removing {} left by {}", p, what);
                    deleteQuietly(p);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list {}: {}", dir, e.toString());
        }
    }

    static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.walk(path)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            } else {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // leftovers of staging are removed by the next run's cleanup
        }
    }
}
