package io.duckbridge.spring.models;

import io.duckbridge.core.schema.model.SchemaMismatch;
import java.util.List;

/**
 * One model compared with PostgreSQL, as {@code GET /api/v1/models} shows it.
 *
 * @param model the class name
 * @param table the {@code schema.table} it describes
 * @param columns its columns with their DuckDB types
 * @param ddl the DuckDB DDL derived from it
 * @param matches whether PostgreSQL's table agrees with it (false when it could not be checked)
 * @param mismatches what differs
 * @param error why the comparison could not run (PostgreSQL unreachable, no source configured), else null
 */
@tools.jackson.databind.annotation.JsonNaming(
        tools.jackson.databind.PropertyNamingStrategies.LowerCamelCaseStrategy.class)
public record ModelReport(
        String model,
        String table,
        List<Column> columns,
        String ddl,
        boolean matches,
        List<SchemaMismatch> mismatches,
        String error) {

    /** A column of the model. */
    @tools.jackson.databind.annotation.JsonNaming(
            tools.jackson.databind.PropertyNamingStrategies.LowerCamelCaseStrategy.class)
    public record Column(String name, String duckDbType, boolean nullable, boolean primaryKey) {}
}
