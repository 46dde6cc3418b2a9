package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Locale;

/** How an import treats the target table. */
public enum ImportMode {
    /** Create the table; CONFLICT when it exists. */
    CREATE,
    /** Insert into the existing table by column name; NOT_FOUND when it does not exist. */
    APPEND,
    /** Load a staging table, then swap it in for the table in one writer-lane transaction. */
    REPLACE;

    public static ImportMode parse(String value) {
        if (value == null || value.isBlank()) {
            return CREATE;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "mode \"" + value + "\" is not one of create, append, replace");
        }
    }
}
