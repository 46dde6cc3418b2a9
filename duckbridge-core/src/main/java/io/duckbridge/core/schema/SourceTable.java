package io.duckbridge.core.schema;

import java.util.List;
import java.util.Optional;

/**
 * A PostgreSQL table as the catalog describes it. Immutable.
 *
 * @param name schema-qualified name
 * @param columns columns in table order
 * @param primaryKey primary-key columns in key order; empty when the table has none
 * @param partitioned whether this is a partitioned parent (read as one table, through its partitions)
 * @param estimatedRows {@code pg_class.reltuples} (summed over the partitions), 0 when unknown
 * @param pages {@code pg_class.relpages}, used to split large tables into ctid ranges; 0 for a partitioned table
 */
public record SourceTable(
        TableName name,
        List<SourceColumn> columns,
        List<String> primaryKey,
        boolean partitioned,
        long estimatedRows,
        long pages) {
    public SourceTable {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
    }

    public Optional<SourceColumn> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }
}
