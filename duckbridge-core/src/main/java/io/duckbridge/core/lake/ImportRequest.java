package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;

/**
 * One import of Parquet files into a table.
 *
 * @param source {@code s3://bucket/prefix/**}{@code /*.parquet}, {@code file:dir/*.parquet}, or an export's root or
 *     version directory (then its manifest decides the files and is verified)
 * @param table {@code schema.table} or {@code table}
 * @param mode create (default), append or replace
 * @param hivePartitioning whether {@code key=value} directories become columns (default true)
 * @param unionByName whether files with different column orders/sets are combined by name (default true)
 */
public record ImportRequest(
        String source, String table, ImportMode mode, Boolean hivePartitioning, Boolean unionByName) {
    public ImportRequest {
        LakeLocation.parse("source", source);
        if (table == null || table.isBlank()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "table is missing; name the table to import into");
        }
        SqlNames.qualified("table", table.strip());
        table = table.strip();
        java.util.List<String> parts = io.duckbridge.core.schema.TableName.parts(table);
        if (io.duckbridge.core.schema.TableName.isDuckbridgeOwn(
                parts.size() == 1 ? "main" : parts.get(0), parts.get(parts.size() - 1))) {
            // Duckbridge's own state (sync, CDC, backups) and job staging tables: replacing one broke the service
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "table \"" + table + "\" is one Duckbridge keeps for itself ("
                            + io.duckbridge.core.schema.TableName.DUCKBRIDGE_OWN + "); import into another table");
        }
        if (mode == null) {
            mode = ImportMode.CREATE;
        }
        if (hivePartitioning == null) {
            hivePartitioning = true;
        }
        if (unionByName == null) {
            unionByName = true;
        }
    }

    public static ImportRequest of(String source, String table, ImportMode mode) {
        return new ImportRequest(source, table, mode, null, null);
    }
}
