package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;

/** Identifier quoting for generated SQL. Thread-safe (stateless). */
final class SqlNames {
    private SqlNames() {}

    /** {@code name} as a quoted identifier, inner quotes doubled. */
    static String quote(String name) {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "\"" + name + "\" is not a valid identifier");
        }
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    static String quote(String schema, String name) {
        return quote(schema) + "." + quote(name);
    }

    /** Quotes a string literal for the replication protocol's commands, which take no parameters. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
