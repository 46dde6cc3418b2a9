package io.duckbridge.core.engine;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the size strings users write in settings ({@code 4GB}, {@code 512MiB}, {@code 1073741824}).
 * Decimal units (KB, MB, GB, TB) are powers of 1000 and binary units (KiB, MiB, GiB, TiB) powers of 1024,
 * as DuckDB reads them. Thread-safe (stateless).
 */
public final class DataSizes {
    private static final Pattern SIZE =
            Pattern.compile("^\\s*(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b|b|bytes)?\\s*$", Pattern.CASE_INSENSITIVE);

    private DataSizes() {}

    /**
     * Parses {@code value} as a number of bytes.
     *
     * @param setting the setting's name, used in the error message
     * @throws DuckbridgeException INVALID_REQUEST naming the setting and a valid example
     */
    public static long parse(String setting, String value) {
        Matcher m = value == null ? null : SIZE.matcher(value);
        if (m == null || !m.matches()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    setting + " \"" + value + "\" is not a size; use e.g. 4GB, 512MiB or 1073741824");
        }
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        double factor = switch (unit) {
            case "b", "bytes" -> 1;
            case "kb" -> 1e3;
            case "mb" -> 1e6;
            case "gb" -> 1e9;
            case "tb" -> 1e12;
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "tib" -> 1L << 40;
            default -> throw new IllegalStateException(unit);
        };
        return (long) (number * factor);
    }

    /** Formats bytes as DuckDB reads them back: whole mebibytes ({@code 1536MiB}) or bytes. */
    public static String format(long bytes) {
        if (bytes >= (1L << 20) && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        return bytes + "B";
    }
}
