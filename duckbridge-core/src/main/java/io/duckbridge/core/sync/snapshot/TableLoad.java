package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.schema.TableName;
import java.util.Map;

/**
 * What loading one table did. Immutable.
 *
 * @param table the table
 * @param rows rows copied
 * @param bytes bytes of COPY text read from PostgreSQL
 * @param lossy per column: how many values could not be kept exactly, and the override that would keep them
 * @param error why the table failed, or null when it was replaced
 */
public record TableLoad(
        TableName table, long rows, long bytes, Map<String, LossyCount> lossy, DuckbridgeException error) {
    public TableLoad {
        lossy = Map.copyOf(lossy);
    }

    public boolean succeeded() {
        return error == null;
    }

    /** Lossy values of one column. */
    public record LossyCount(long count, String override) {}

    TableLoad failed(DuckbridgeException e) {
        return new TableLoad(table, rows, bytes, lossy, e);
    }
}
