package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.PgErrors;
import java.sql.SQLException;
import org.postgresql.copy.CopyOut;

/**
 * Reads the tuples of one {@code COPY ... TO STDOUT (FORMAT binary)} stream.
 *
 * <p>Format (<a href="https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4">COPY, Binary
 * Format</a>): an 11-byte signature {@code PGCOPY\n\377\r\n\0}, an int32 flags field (bit 16: OIDs included),
 * an int32 header-extension length and that many bytes; then one tuple after another, each an int16 field
 * count followed, per field, by an int32 length (-1 for NULL) and that many bytes; then an int16 -1 trailer.
 * All integers are big-endian. PostgreSQL sends each tuple as one CopyData message, but the format does not
 * depend on message boundaries, so a tuple split across messages is joined here.
 *
 * <p>Typical use: {@code while (reader.next(starts, lengths)) { decode reader.buffer()[reader.base() +
 * starts[i] ...] }}. Not thread-safe: confined to the thread that reads the COPY.
 */
final class CopyBinaryReader {
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};

    private final CopyOut copy;
    private byte[] buffer = new byte[0];
    private int position;
    private int limit;
    private int base;
    private long bytes;
    private boolean started;
    private boolean finished;

    CopyBinaryReader(CopyOut copy) {
        this.copy = copy;
    }

    /**
     * Reads the next tuple: field {@code i} is {@code buffer()[base() + starts[i], + lengths[i])}, or NULL when
     * {@code lengths[i] == -1}.
     *
     * @return false after the trailer (the COPY is then complete)
     * @throws DuckbridgeException INTERNAL when the stream is not binary COPY or a tuple has a different width
     *     than {@code starts.length}; classified from SQLSTATE when PostgreSQL fails
     */
    boolean next(int[] starts, int[] lengths) {
        if (finished) {
            return false;
        }
        if (!started) {
            readHeader();
            started = true;
        }
        if (!fill(2)) {
            throw malformed("the stream ended without the trailer");
        }
        int count = (short) (((buffer[position] & 0xff) << 8) | (buffer[position + 1] & 0xff));
        if (count == -1) {
            position += 2;
            finish();
            return false;
        }
        if (count != starts.length) {
            throw malformed("a tuple has " + count + " fields where " + starts.length + " were selected");
        }
        int offset = 2; // relative to the tuple's start, which fill() keeps in the buffer
        for (int i = 0; i < count; i++) {
            need(offset + 4);
            int length = int32(buffer, position + offset);
            offset += 4;
            starts[i] = offset;
            lengths[i] = length;
            if (length > 0) {
                need(offset + length);
                offset += length;
            } else if (length < -1) {
                throw malformed("a field has length " + length);
            }
        }
        base = position;
        position += offset;
        return true;
    }

    /** The buffer holding the last tuple read by {@link #next}. */
    byte[] buffer() {
        return buffer;
    }

    /** Where the last tuple starts in {@link #buffer()}. */
    int base() {
        return base;
    }

    /** Bytes received so far. */
    long bytes() {
        return bytes;
    }

    private void readHeader() {
        if (!fill(SIGNATURE.length + 8)) {
            throw malformed("the stream is empty");
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (buffer[position + i] != SIGNATURE[i]) {
                throw malformed("the signature is missing");
            }
        }
        int flags = int32(buffer, position + SIGNATURE.length);
        if ((flags & (1 << 16)) != 0) {
            throw malformed("the tuples carry OIDs");
        }
        int extension = int32(buffer, position + SIGNATURE.length + 4);
        need(SIGNATURE.length + 8 + extension);
        position += SIGNATURE.length + 8 + extension;
    }

    private void need(int relative) {
        if (!fill(relative)) {
            throw malformed("the stream ended inside a tuple");
        }
    }

    /** Makes {@code n} bytes from {@link #position} available; false when the stream ends first. */
    private boolean fill(int n) {
        while (limit - position < n) {
            byte[] message = read();
            if (message == null) {
                finished = true;
                return false;
            }
            bytes += message.length;
            if (position == limit) {
                buffer = message;
                position = 0;
                limit = message.length;
            } else {
                byte[] joined = new byte[limit - position + message.length];
                System.arraycopy(buffer, position, joined, 0, limit - position);
                System.arraycopy(message, 0, joined, limit - position, message.length);
                buffer = joined;
                limit = joined.length;
                position = 0;
            }
        }
        return true;
    }

    /** Reads to the end of the COPY so the connection is ready for the next statement. */
    private void finish() {
        while (read() != null) {
            // nothing follows the trailer but the end of the COPY
        }
        finished = true;
    }

    private byte[] read() {
        try {
            return copy.readFromCopy();
        } catch (SQLException e) {
            throw PgErrors.wrap("reading COPY data", e);
        }
    }

    private static int int32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    private static DuckbridgeException malformed(String what) {
        return new DuckbridgeException(ErrorClass.INTERNAL, "binary COPY stream is malformed: " + what);
    }
}
