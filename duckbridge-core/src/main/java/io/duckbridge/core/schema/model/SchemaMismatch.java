package io.duckbridge.core.schema.model;

/**
 * One difference between a Java model and the PostgreSQL table it describes.
 *
 * @param column the column, null for a table-level difference
 * @param kind what differs
 * @param model what the model declares (a DuckDB type, {@code NULL}/{@code NOT NULL}, key columns), null when
 *     the model lacks it
 * @param postgres what PostgreSQL has, in the same terms, null when PostgreSQL lacks it
 * @param hint what to change to make them agree
 */
public record SchemaMismatch(String column, Kind kind, String model, String postgres, String hint) {
    public enum Kind {
        /** PostgreSQL has no such table. */
        TABLE_MISSING,
        /** The model declares a column PostgreSQL does not have. */
        MISSING_IN_POSTGRES,
        /** PostgreSQL has a column the model does not declare. */
        MISSING_IN_MODEL,
        /** Both have the column, mapped to different DuckDB types. */
        TYPE,
        /** Both have the column with different nullability. */
        NULLABILITY,
        /** The primary keys differ. */
        PRIMARY_KEY
    }
}
