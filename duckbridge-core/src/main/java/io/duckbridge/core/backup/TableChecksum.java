package io.duckbridge.core.backup;

import java.util.Objects;

/**
 * One table's row count and content checksum, both computed by DuckDB: the checksum is the sum, as a
 * decimal string, of DuckDB's {@code hash()} of every row, so it does not depend on row order and counts
 * duplicate rows. It is comparable only between equal DuckDB versions.
 *
 * @param schema the table's schema
 * @param name the table's name
 * @param rowCount rows in the table
 * @param checksum {@code sum(hash(row))} as a decimal string
 */
public record TableChecksum(String schema, String name, long rowCount, String checksum) {
    public TableChecksum {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(checksum, "checksum");
    }

    /** {@code schema.name}, or just the name for the {@code main} schema. */
    public String qualifiedName() {
        return "main".equals(schema) ? name : schema + "." + name;
    }
}
