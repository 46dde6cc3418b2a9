package io.duckbridge.core.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * fsync of files and directories: what makes a written file, and a rename or a new entry in a directory, survive
 * an operating-system crash or a power loss, not only the end of the process. Everything Duckbridge publishes on a
 * local disk (backups, local Parquet exports) is synced this way before the marker that declares it complete.
 * Stateless.
 */
public final class FileSync {
    private FileSync() {}

    /** Flushes a file's content and size to disk. */
    public static void file(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Flushes a directory's entries (a rename or a new file) to disk. */
    public static void directory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (AccessDeniedException e) {
            // some file systems refuse to open directories; the rename is still atomic there
        }
    }
}
