package io.duckbridge.core.query;

import java.util.List;
import java.util.Map;

/**
 * SQL text that {@link QueryGuard} accepted: exactly the text to prepare, and the positions DuckDB gave
 * its named parameters ({@code $name} → 1-based index), so they can be bound positionally.
 *
 * @param sql the text to run
 * @param namedParameters each named parameter and its index; empty for positional or no parameters
 * @param renamed where {@code sql} differs from the client's text: each {@code $name} written as {@code $index},
 *     as {@code {offset in the client's text, its length, the length written}} in UTF-8 bytes, in text order;
 *     empty when {@code sql} is the client's text
 */
public record CheckedQuery(String sql, Map<String, Integer> namedParameters, List<int[]> renamed) {
    public CheckedQuery {
        // DuckDB's names are case-insensitive ($A and $a are one parameter)
        var byName = new java.util.TreeMap<String, Integer>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(namedParameters);
        namedParameters = java.util.Collections.unmodifiableMap(byName);
        renamed = List.copyOf(renamed);
    }

    /** Text that runs as the client sent it. */
    public CheckedQuery(String sql, Map<String, Integer> namedParameters) {
        this(sql, namedParameters, List.of());
    }

    /**
     * The offset in the client's text (UTF-8 bytes) of {@code position}, an offset in {@link #sql()}: inside a
     * parameter written as {@code $index}, the start of the client's {@code $name}.
     */
    public int clientPosition(int position) {
        int shift = 0;
        for (int[] r : renamed) {
            int start = r[0] + shift;
            if (position < start) {
                break;
            }
            if (position < start + r[2]) {
                return r[0];
            }
            shift += r[2] - r[1];
        }
        return position - shift;
    }
}
