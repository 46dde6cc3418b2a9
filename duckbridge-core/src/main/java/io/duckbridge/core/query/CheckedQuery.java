package io.duckbridge.core.query;

import java.util.Map;

/**
 * SQL text that {@link QueryGuard} accepted: exactly the text to prepare, and the positions DuckDB gave
 * its named parameters ({@code $name} → 1-based index), so they can be bound positionally.
 *
 * @param sql the text to run
 * @param namedParameters each named parameter and its index; empty for positional or no parameters
 */
public record CheckedQuery(String sql, Map<String, Integer> namedParameters) {
    public CheckedQuery {
        // DuckDB's names are case-insensitive ($A and $a are one parameter)
        var byName = new java.util.TreeMap<String, Integer>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(namedParameters);
        namedParameters = java.util.Collections.unmodifiableMap(byName);
    }
}
