package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One export: what to write (a table, or a read-only query) and where, with the Parquet layout.
 *
 * @param table {@code schema.table} or {@code table}; exactly one of table and sql
 * @param sql a single read-only SELECT, checked by the query guard
 * @param target {@code s3://bucket/prefix} or {@code file:relative/dir}
 * @param partitionBy Hive-style partition columns, in order; empty for none
 * @param orderBy sort terms ({@code col}, {@code col desc}) so readers can prune row groups; empty for none
 * @param compression zstd (default), snappy, gzip, lz4, brotli or uncompressed
 * @param compressionLevel zstd level 1-22 (default 3); ignored by other codecs
 * @param rowGroupSize rows per row group (default 122880)
 * @param fileSizeBytes roll over to a new file after about this many bytes; null for one file per partition
 * @param mode overwrite (default), append or error
 */
public record ExportRequest(
        String table,
        String sql,
        String target,
        List<String> partitionBy,
        List<String> orderBy,
        String compression,
        Integer compressionLevel,
        Integer rowGroupSize,
        Long fileSizeBytes,
        ExportMode mode) {

    private static final Set<String> CODECS = Set.of("zstd", "snappy", "gzip", "lz4", "brotli", "uncompressed");

    public ExportRequest {
        boolean hasTable = table != null && !table.isBlank();
        boolean hasSql = sql != null && !sql.isBlank();
        if (hasTable == hasSql) {
            throw invalid("give exactly one of table and sql");
        }
        table = hasTable ? table.strip() : null;
        sql = hasSql ? sql.strip() : null;
        LakeLocation.parse("target", target);
        partitionBy = List.copyOf(partitionBy == null ? List.of() : partitionBy);
        orderBy = List.copyOf(orderBy == null ? List.of() : orderBy);
        partitionBy.forEach(c -> SqlNames.quote("partitionBy", c));
        for (String column : partitionBy) {
            // DuckDB percent-encodes other characters in the directory names, which readers then do not
            // decode back to the column (an import of the export would fail)
            if (!column.matches("[A-Za-z0-9_]+")) {
                throw invalid("partitionBy column \"" + column + "\" has characters a Hive partition directory"
                        + " must escape; use letters, digits and _ (export a query that renames it, e.g."
                        + " SELECT \"" + column.replace("\"", "\"\"") + "\" AS "
                        + column.replaceAll("[^A-Za-z0-9_]", "_")
                        + ", ...)");
            }
        }
        orderBy.forEach(SqlNames::orderTerm);
        compression = compression == null || compression.isBlank()
                ? "zstd"
                : compression.strip().toLowerCase(Locale.ROOT);
        if (!CODECS.contains(compression)) {
            throw invalid("compression \"" + compression + "\" is not one of " + CODECS);
        }
        if (compressionLevel == null) {
            compressionLevel = 3;
        }
        if (compressionLevel < 1 || compressionLevel > 22) {
            throw invalid("compressionLevel " + compressionLevel + " is out of range; use 1 to 22 (zstd)");
        }
        if (rowGroupSize == null) {
            rowGroupSize = 122_880;
        }
        if (rowGroupSize < 1) {
            throw invalid("rowGroupSize " + rowGroupSize + " must be positive; e.g. 122880");
        }
        if (fileSizeBytes != null && fileSizeBytes < 1024 * 1024) {
            throw invalid("fileSizeBytes " + fileSizeBytes + " is below 1 MiB (1048576 bytes); use e.g. 268435456");
        }
        if (mode == null) {
            mode = ExportMode.OVERWRITE;
        }
    }

    /** Exports {@code table} to {@code target} with every other setting at its default. */
    public static ExportRequest ofTable(String table, String target) {
        return new ExportRequest(table, null, target, null, null, null, null, null, null, null);
    }

    public ExportRequest withMode(ExportMode value) {
        return new ExportRequest(
                table,
                sql,
                target,
                partitionBy,
                orderBy,
                compression,
                compressionLevel,
                rowGroupSize,
                fileSizeBytes,
                value);
    }

    public ExportRequest withLayout(List<String> partitions, List<String> order, Long fileSize) {
        return new ExportRequest(
                table, sql, target, partitions, order, compression, compressionLevel, rowGroupSize, fileSize, mode);
    }

    public LakeLocation location() {
        return LakeLocation.parse("target", target);
    }

    private static DuckbridgeException invalid(String message) {
        return new DuckbridgeException(ErrorClass.INVALID_REQUEST, message);
    }
}
