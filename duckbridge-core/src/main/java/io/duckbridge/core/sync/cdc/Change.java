package io.duckbridge.core.sync.cdc;

/**
 * One thing a PostgreSQL transaction did to a captured table, in the form the applier needs. Each
 * change carries the table's shape in effect when it was made. Thread-safe (immutable).
 */
sealed interface Change {
    SourceTable table();

    /**
     * An insert ('I'), update ('U') or delete ('D').
     *
     * @param oldKind 'K', 'O' or 0 as in the pgoutput message
     * @param oldTuple the old key or row, or null
     * @param newTuple the new row, or null for a delete
     */
    record Row(SourceTable table, char op, char oldKind, TupleData oldTuple, TupleData newTuple) implements Change {}

    record Truncate(SourceTable table) implements Change {}

    /** DDL that turns the DuckDB table from {@code before}'s shape into {@code table}'s. */
    record Schema(SourceTable table, java.util.List<String> statements) implements Change {}

    /** The table changed in a way DuckDB cannot follow: mark it for a new snapshot. */
    record Resync(SourceTable table) implements Change {}
}
