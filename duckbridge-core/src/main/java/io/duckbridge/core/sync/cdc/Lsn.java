package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;

/**
 * A PostgreSQL write-ahead-log position, compared as an unsigned 64-bit number and written the way
 * PostgreSQL writes it ({@code 16/B374D848}). Thread-safe (immutable).
 *
 * @param value the position as PostgreSQL's {@code XLogRecPtr}
 */
public record Lsn(long value) implements Comparable<Lsn> {
    /** The invalid position {@code 0/0}: before everything. */
    public static final Lsn ZERO = new Lsn(0);

    /**
     * Parses {@code "X/Y"} (two hexadecimal halves).
     *
     * @throws DuckbridgeException INVALID_REQUEST when the text is not an LSN
     */
    public static Lsn parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "\"" + text + "\" is not an LSN; expected e.g. 16/B374D848");
        }
        try {
            long high = Long.parseLong(text.substring(0, slash), 16);
            long low = Long.parseLong(text.substring(slash + 1), 16);
            return new Lsn((high << 32) | (low & 0xFFFFFFFFL));
        } catch (NumberFormatException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "\"" + text + "\" is not an LSN; expected e.g. 16/B374D848", e);
        }
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    /** Bytes from {@code earlier} to this position, 0 when {@code earlier} is not before it. */
    public long bytesAfter(Lsn earlier) {
        return isAfter(earlier) ? value - earlier.value : 0;
    }

    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/"
                + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }
}
