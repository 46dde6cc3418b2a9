package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Set;

/**
 * Which failures belong to one captured table, so that table alone is set aside (state {@code failed}) while
 * the others go on streaming: a value DuckDB cannot hold, a DuckDB table changed or dropped underneath, DDL
 * DuckDB refuses. Anything else — PostgreSQL gone, a full disk, memory, an interruption, an unexpected bug —
 * says nothing about the table being applied and stops or retries the whole stream as before. Stateless.
 */
final class TableFailures {
    private static final Set<ErrorClass> OF_ONE_TABLE = Set.of(
            ErrorClass.CONVERSION,
            ErrorClass.CONSTRAINT,
            ErrorClass.BINDER,
            ErrorClass.SYNTAX,
            ErrorClass.NOT_FOUND,
            ErrorClass.INVALID_REQUEST);

    private TableFailures() {}

    static boolean ofOneTable(DuckbridgeException e) {
        return OF_ONE_TABLE.contains(e.errorClass());
    }
}
