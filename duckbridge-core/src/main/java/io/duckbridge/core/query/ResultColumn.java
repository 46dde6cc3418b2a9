package io.duckbridge.core.query;

/**
 * One column of a result.
 *
 * @param name the column name as DuckDB reports it
 * @param type DuckDB's type name, e.g. {@code DECIMAL(18,3)} or {@code INTEGER[]}
 */
public record ResultColumn(String name, String type) {}
