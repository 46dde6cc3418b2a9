package io.duckbridge.core.engine;

/**
 * Work run on the writer lane's connection. For {@link DuckDbEngine#write} it runs inside one DuckDB
 * transaction that commits when it returns and rolls back when it throws.
 */
@FunctionalInterface
public interface WriteWork<T> {
    T run(ReadSession session) throws Exception;
}
