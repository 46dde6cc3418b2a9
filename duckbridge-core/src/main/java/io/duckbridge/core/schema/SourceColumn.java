package io.duckbridge.core.schema;

/**
 * One column of a PostgreSQL table. Immutable.
 *
 * @param name the column name as spelled in PostgreSQL
 * @param pgType the column's declared type as {@code format_type} gives it (a domain keeps its own name)
 * @param type the resolved type (domains replaced by their base type)
 * @param nullable whether the column accepts NULL
 */
public record SourceColumn(String name, String pgType, PgType type, boolean nullable) {}
