package io.duckbridge.core.query;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One query as a user sent it. Parameters are bound by DuckDB, never spliced into the text: either
 * positional ({@code ?} or {@code $1}, in order) or named ({@code $name}), not both.
 *
 * @param sql the SQL text; must hold exactly one read-only query
 * @param positionalParameters values for {@code ?}/{@code $n}; empty for none
 * @param namedParameters values for {@code $name}; empty for none
 * @param maxRows the most rows to return; null for the format's default (10,000 for JSON, all otherwise)
 * @param timeout how long the query may run; null for the configured default
 */
public record QueryRequest(
        String sql,
        List<Object> positionalParameters,
        Map<String, Object> namedParameters,
        Integer maxRows,
        Duration timeout) {

    public QueryRequest {
        if (sql == null || sql.isBlank()) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "\"sql\" is missing or empty");
        }
        positionalParameters = Collections.unmodifiableList(
                new ArrayList<>(positionalParameters == null ? List.of() : positionalParameters));
        namedParameters =
                Collections.unmodifiableMap(new LinkedHashMap<>(namedParameters == null ? Map.of() : namedParameters));
        if (!positionalParameters.isEmpty() && !namedParameters.isEmpty()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "\"params\" is either a list (positional ? or $1) or an object (named $name), not both");
        }
        if (maxRows != null && maxRows < 0) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST, "\"maxRows\" " + maxRows + " is negative; use e.g. 10000");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, "\"timeoutMs\" must be positive; use e.g. 30000");
        }
    }

    /** A request with no parameters and default limits. */
    public static QueryRequest of(String sql) {
        return new QueryRequest(sql, List.of(), Map.of(), null, null);
    }

    /**
     * A request whose {@code params} came from JSON: a list for positional, an object for named, null for
     * none.
     */
    @SuppressWarnings("unchecked")
    public static QueryRequest of(String sql, Object params, Integer maxRows, Duration timeout) {
        if (params == null) {
            return new QueryRequest(sql, List.of(), Map.of(), maxRows, timeout);
        }
        if (params instanceof List<?> list) {
            return new QueryRequest(sql, (List<Object>) list, Map.of(), maxRows, timeout);
        }
        if (params instanceof Map<?, ?> map) {
            return new QueryRequest(sql, List.of(), (Map<String, Object>) map, maxRows, timeout);
        }
        throw new DuckbridgeException(
                ErrorClass.INVALID_REQUEST, "\"params\" must be a JSON array or object, not " + params);
    }
}
