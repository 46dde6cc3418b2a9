package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.sql.SQLException;

/** Classifies PostgreSQL failures by SQLSTATE. Thread-safe (stateless). */
final class PostgresErrors {
    private PostgresErrors() {}

    static ErrorClass classify(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
            return ErrorClass.SOURCE_UNAVAILABLE;
        }
        if (state.isEmpty() && e.getCause() instanceof IOException) {
            return ErrorClass.SOURCE_UNAVAILABLE;
        }
        if (state.equals("57014")) {
            return ErrorClass.CANCELLED;
        }
        if (state.startsWith("22")) {
            return ErrorClass.CONVERSION;
        }
        if (state.startsWith("42P01") || state.equals("42704")) {
            return ErrorClass.NOT_FOUND;
        }
        if (state.startsWith("42501") || state.startsWith("28")) {
            return ErrorClass.PERMISSION;
        }
        if (state.startsWith("55") || state.startsWith("53")) {
            return ErrorClass.CONFLICT;
        }
        return ErrorClass.INTERNAL;
    }

    static DuckbridgeException wrap(String context, SQLException e) {
        return new DuckbridgeException(
                classify(e), context + " (SQLSTATE " + e.getSQLState() + "): " + e.getMessage(), e);
    }
}
