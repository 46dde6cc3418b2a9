package io.duckbridge.core.lake;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.query.QueryGuard;
import java.time.Duration;

/**
 * Decides whether a query may be exported: a single read-only statement that reads files only inside the
 * allowed roots. {@link #guardedBy} uses the query API's {@link QueryGuard}; {@link #REFUSE_ALL} refuses every
 * query so only table exports work.
 */
@FunctionalInterface
public interface ReadOnlyCheck {
    /**
     * @return the text to run (the guard may normalize it)
     * @throws DuckbridgeException READ_ONLY_VIOLATION or SYNTAX when refused
     */
    String check(String sql);

    ReadOnlyCheck REFUSE_ALL = sql -> {
        throw new DuckbridgeException(
                ErrorClass.INVALID_REQUEST,
                "exports of a query need the query guard, which is not configured here; export a table instead");
    };

    /** The same guard as {@code POST /api/v1/query}, run on one of {@code engine}'s readers. */
    static ReadOnlyCheck guardedBy(QueryGuard guard, DuckDbEngine engine) {
        return sql -> engine.read(Duration.ofSeconds(30), session -> {
            var checked = guard.check(session.connection(), sql);
            if (!checked.namedParameters().isEmpty()) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST, "an exported query cannot have parameters; write the values in");
            }
            return checked.sql();
        });
    }
}
