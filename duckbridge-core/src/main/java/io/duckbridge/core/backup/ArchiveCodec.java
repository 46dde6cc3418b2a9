package io.duckbridge.core.backup;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.duckbridge.core.files.FileSync;
import io.duckbridge.core.jobs.JobContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** zstd compression of a DuckDB file into an archive and back, with SHA-256 and fsync. Stateless. */
final class ArchiveCodec {
    private static final int BUFFER = 1 << 20;

    private ArchiveCodec() {}

    /** Compresses {@code source} into {@code target} (created new), fsyncs it and returns its hex SHA-256. */
    static String compress(Path source, Path target, int level, JobContext progress) throws IOException {
        try {
            return compressInto(source, target, level, progress);
        } catch (java.nio.file.FileSystemException e) {
            throw e; // names the file already
        } catch (IOException e) {
            // the zstd stream says only "No space left on device": name the file being written
            throw new IOException(
                    "cannot write the archive " + target + ": "
                            + (e.getMessage() == null ? e.toString() : e.getMessage()),
                    e);
        }
    }

    private static String compressInto(Path source, Path target, int level, JobContext progress) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(source);
                FileChannel channel =
                        FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                OutputStream file = java.nio.channels.Channels.newOutputStream(channel);
                DigestOutputStream digesting = new DigestOutputStream(file, digest);
                ZstdOutputStream zstd = new ZstdOutputStream(digesting, level)) {
            zstd.setChecksum(true);
            zstd.setWorkers(Math.min(4, Runtime.getRuntime().availableProcessors()));
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                progress.checkCancelled();
                zstd.write(buffer, 0, n);
                progress.advance(n);
            }
        }
        FileSync.file(target);
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Decompresses {@code archive} into {@code target} (created new) and fsyncs it; fails on a damaged archive,
     * and with {@link TargetWriteException} when {@code target} cannot be created or written (a full or read-only
     * scratch area), which says nothing about the archive.
     */
    static long decompress(Path archive, Path target, JobContext progress) throws IOException {
        long written = 0;
        FileChannel channel;
        try {
            channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new TargetWriteException(target, e);
        }
        try (channel;
                InputStream in = new ZstdInputStream(Files.newInputStream(archive))) {
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                progress.checkCancelled();
                var bb = java.nio.ByteBuffer.wrap(buffer, 0, n);
                try {
                    while (bb.hasRemaining()) {
                        channel.write(bb);
                    }
                } catch (IOException e) {
                    throw new TargetWriteException(target, e);
                }
                written += n;
                progress.advance(n);
            }
            try {
                channel.force(true);
            } catch (IOException e) {
                throw new TargetWriteException(target, e);
            }
        }
        return written;
    }

    /** Writing the decompressed copy failed: a fault of the place it is written to, not of the archive. */
    static final class TargetWriteException extends IOException {
        private static final long serialVersionUID = 1L;

        TargetWriteException(Path target, IOException cause) {
            super("cannot write " + target + ": " + cause, cause);
        }
    }

    /** Hex SHA-256 of a file. */
    static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            byte[] buffer = new byte[BUFFER];
            while (in.read(buffer) >= 0) {
                // reading feeds the digest
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
