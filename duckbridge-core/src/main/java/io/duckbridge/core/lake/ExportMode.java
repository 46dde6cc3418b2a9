package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Locale;

/** What an export does when the target already holds a published export. */
public enum ExportMode {
    /** Publish a new version and point readers at it; the replaced version stays until the next export. */
    OVERWRITE,
    /** Publish a new version whose manifest lists the current files plus the new ones. */
    APPEND,
    /** Refuse with CONFLICT when the target holds anything. */
    ERROR;

    public static ExportMode parse(String value) {
        if (value == null || value.isBlank()) {
            return OVERWRITE;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "mode \"" + value + "\" is not one of overwrite, append, error");
        }
    }
}
