package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.nio.charset.StandardCharsets;

/**
 * Splits one row of {@code COPY ... TO STDOUT} text format into field texts.
 *
 * <p>Format (<a href="https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2">COPY, Text
 * Format</a>): fields separated by a tab, the row ended by a newline, {@code \N} for NULL, and backslash
 * escapes {@code \b \f \n \r \t \v \\}, {@code \digits} (octal byte) and {@code \xdigits} (hex byte) for data
 * characters. The session's {@code client_encoding} is UTF8. Stateless; thread-safe.
 */
public final class CopyTextDecoder {
    private CopyTextDecoder() {}

    /**
     * Decodes {@code row} (one CopyData message) into {@code fields}.
     *
     * @throws DuckbridgeException INTERNAL when the row has a different number of fields
     */
    public static void decode(byte[] row, String[] fields) {
        int end = row.length;
        if (end > 0 && row[end - 1] == '\n') {
            end--;
        }
        int field = 0;
        int start = 0;
        boolean escaped = false;
        for (int i = 0; i <= end; i++) {
            if (i == end || row[i] == '\t') {
                if (field >= fields.length) {
                    throw width(fields.length);
                }
                fields[field++] = text(row, start, i, escaped);
                start = i + 1;
                escaped = false;
            } else if (row[i] == '\\') {
                escaped = true;
                i++; // the escaped byte is never a separator
            }
        }
        if (field != fields.length) {
            throw width(fields.length);
        }
    }

    /**
     * Finds the fields of {@code row} without decoding them: field {@code i} is {@code row[starts[i], ends[i])};
     * {@code escaped[i]} says whether it contains a backslash (then decode it with {@link #field}).
     *
     * @throws DuckbridgeException INTERNAL when the row has a different number of fields
     */
    public static void split(byte[] row, int[] starts, int[] ends, boolean[] escaped) {
        int end = row.length;
        if (end > 0 && row[end - 1] == '\n') {
            end--;
        }
        int field = 0;
        int start = 0;
        boolean esc = false;
        int width = starts.length;
        for (int i = 0; i <= end; i++) {
            if (i == end || row[i] == '\t') {
                if (field >= width) {
                    throw width(width);
                }
                starts[field] = start;
                ends[field] = i;
                escaped[field++] = esc;
                start = i + 1;
                esc = false;
            } else if (row[i] == '\\') {
                esc = true;
                i++;
            }
        }
        if (field != width) {
            throw width(width);
        }
    }

    /** Decodes one escaped field found by {@link #split}: null for {@code \N}, else the unescaped text. */
    public static String field(byte[] row, int from, int to) {
        return text(row, from, to, true);
    }

    private static String text(byte[] row, int from, int to, boolean escaped) {
        if (!escaped) {
            return new String(row, from, to - from, StandardCharsets.UTF_8);
        }
        if (to - from == 2 && row[from + 1] == 'N') {
            return null;
        }
        byte[] out = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            byte b = row[i];
            if (b != '\\' || i + 1 >= to) {
                out[n++] = b;
                continue;
            }
            byte c = row[++i];
            switch (c) {
                case 'b' -> out[n++] = '\b';
                case 'f' -> out[n++] = '\f';
                case 'n' -> out[n++] = '\n';
                case 'r' -> out[n++] = '\r';
                case 't' -> out[n++] = '\t';
                case 'v' -> out[n++] = 0x0b;
                case 'x' -> {
                    int v = 0;
                    int digits = 0;
                    while (digits < 2 && i + 1 < to && Character.digit(row[i + 1], 16) >= 0) {
                        v = v * 16 + Character.digit(row[++i], 16);
                        digits++;
                    }
                    out[n++] = (byte) v;
                }
                default -> {
                    if (c >= '0' && c <= '7') {
                        int v = c - '0';
                        int digits = 1;
                        while (digits < 3 && i + 1 < to && row[i + 1] >= '0' && row[i + 1] <= '7') {
                            v = v * 8 + (row[++i] - '0');
                            digits++;
                        }
                        out[n++] = (byte) v;
                    } else {
                        out[n++] = c;
                    }
                }
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static DuckbridgeException width(int expected) {
        return new DuckbridgeException(
                ErrorClass.INTERNAL, "a COPY row did not have the expected " + expected + " fields");
    }
}
