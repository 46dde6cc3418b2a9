package io.duckbridge.core.sync;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Locale;

/** How a table is synced; the lower-case name is the {@code mode} in the HTTP API and the CLI. */
public enum SyncMode {
    /** Copy the whole table from one snapshot and replace the DuckDB copy. */
    FULL,
    /** Upsert rows changed since the last watermark; falls back to {@link #FULL} when it cannot. */
    INCREMENTAL;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws DuckbridgeException INVALID_REQUEST for anything but {@code full} or {@code incremental}
     */
    public static SyncMode parse(String text) {
        if (text == null || text.isBlank()) {
            return FULL;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "full" -> FULL;
            case "incremental" -> INCREMENTAL;
            default ->
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST, "sync mode \"" + text + "\" is unknown; use full or incremental");
        };
    }
}
