package io.duckbridge.core.query;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A query the safe builder turns into SQL: names are checked against the catalog and quoted, values are
 * bound. A filter value is a scalar ({@code =}, or {@code IS NULL} for null), a list ({@code IN}), or an
 * object {@code {"op": "...", "value": v}} with op one of {@code = != <> < <= > >= in between like
 * ilike "is null" "is not null"} ({@code between} takes a two-element list).
 *
 * @param table {@code schema.table} or {@code table}
 * @param columns columns to return; empty for all
 * @param filters column → filter, combined with AND
 * @param orderBy entries such as {@code "amount desc"} or {@code "id"}
 * @param limit at most this many rows; null for 100
 */
public record RowQuery(
        String table, List<String> columns, Map<String, Object> filters, List<String> orderBy, Integer limit) {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 100_000;

    public RowQuery {
        if (table == null || table.isBlank()) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "the table name is empty");
        }
        columns = List.copyOf(columns == null ? List.of() : columns);
        filters = Collections.unmodifiableMap(new LinkedHashMap<>(filters == null ? Map.of() : filters));
        orderBy = List.copyOf(orderBy == null ? List.of() : orderBy);
        if (limit != null && (limit < 0 || limit > MAX_LIMIT)) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "\"limit\" " + limit + " is out of range; use 0 to " + MAX_LIMIT);
        }
    }
}
