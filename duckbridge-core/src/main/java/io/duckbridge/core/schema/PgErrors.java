package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.sql.SQLException;

/**
 * Classifies PostgreSQL failures by SQLSTATE (never by message text): class 08 and 57P0x (shutdown) →
 * SOURCE_UNAVAILABLE, 57014 → CANCELLED, 22 → CONVERSION, 23 → CONSTRAINT, 42501 → PERMISSION, 42P01 →
 * NOT_FOUND, other 42 → BINDER, 40 → CONFLICT, 53 → OUT_OF_MEMORY. Thread-safe (stateless).
 */
public final class PgErrors {
    private PgErrors() {}

    public static ErrorClass classify(String sqlState) {
        if (sqlState == null || sqlState.length() < 2) {
            return ErrorClass.SOURCE_UNAVAILABLE;
        }
        if (sqlState.equals("57014")) {
            return ErrorClass.CANCELLED;
        }
        if (sqlState.startsWith("57P") || sqlState.startsWith("08")) {
            return ErrorClass.SOURCE_UNAVAILABLE;
        }
        if (sqlState.equals("42501")) {
            return ErrorClass.PERMISSION;
        }
        if (sqlState.equals("42P01")) {
            return ErrorClass.NOT_FOUND;
        }
        return switch (sqlState.substring(0, 2)) {
            case "22" -> ErrorClass.CONVERSION;
            case "23" -> ErrorClass.CONSTRAINT;
            case "42" -> ErrorClass.BINDER;
            case "40" -> ErrorClass.CONFLICT;
            case "53" -> ErrorClass.OUT_OF_MEMORY;
            case "0A" -> ErrorClass.INVALID_REQUEST;
            default -> ErrorClass.INTERNAL;
        };
    }

    /** Wraps a PostgreSQL error with {@code context}, classified by its SQLSTATE. */
    public static DuckbridgeException wrap(String context, SQLException e) {
        String hint = "42501".equals(e.getSQLState())
                // PostgreSQL refused Duckbridge's source role, not the caller: say what the operator can do
                ? " (the source role duckbridge connects with lacks a privilege on PostgreSQL: GRANT it, e.g."
                        + " GRANT SELECT ON the table, or leave the table out with duckbridge.sync.exclude)"
                : "";
        return new DuckbridgeException(
                classify(e.getSQLState()),
                context + ": PostgreSQL error" + (e.getSQLState() == null ? "" : " " + e.getSQLState()) + ": "
                        + e.getMessage() + hint,
                e);
    }
}
