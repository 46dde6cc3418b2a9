package io.duckbridge.core.lake;

import io.duckbridge.core.files.FileSync;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Syncs for real and records every sync in order, to see what reached the disk before what. Thread-safe. */
final class RecordingDiskSync implements LocalObjectStore.DiskSync {
    record Synced(boolean directory, Path path) {}

    private final List<Synced> synced = new ArrayList<>();

    @Override
    public void file(Path file) throws IOException {
        FileSync.file(file);
        record(new Synced(false, file));
    }

    @Override
    public void directory(Path directory) throws IOException {
        FileSync.directory(directory);
        record(new Synced(true, directory));
    }

    private synchronized void record(Synced s) {
        synced.add(s);
    }

    /** Every sync so far, in order. */
    synchronized List<Synced> synced() {
        return List.copyOf(synced);
    }

    /** The directories synced before the first file whose name ends with {@code suffix} was, in order. */
    synchronized List<Path> directoriesBeforeFile(String suffix) {
        List<Path> directories = new ArrayList<>();
        for (Synced s : synced) {
            if (!s.directory() && s.path().getFileName().toString().endsWith(suffix)) {
                return directories;
            }
            if (s.directory()) {
                directories.add(s.path());
            }
        }
        throw new AssertionError("no file ending with " + suffix + " was synced: " + synced);
    }

    /** How often {@code directory} was synced. */
    synchronized long timesSynced(Path directory) {
        return synced.stream()
                .filter(s -> s.directory() && s.path().equals(directory))
                .count();
    }
}
