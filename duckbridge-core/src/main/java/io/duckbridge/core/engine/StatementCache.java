package io.duckbridge.core.engine;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prepared statements of one reader connection, by exact SQL text, least recently used first out.
 * Preparing costs DuckDB more than running a small query, so repeated queries reuse their statement.
 * DuckDB rebinds a prepared statement after a catalog change, but the driver keeps the result columns it
 * described at prepare time, and text built from them (a rewrite aliasing {@code q(c1, c2, c3)}) would map
 * a changed table's columns wrongly: the engine therefore empties the cache after any work on the writer
 * lane ({@link #reset}), and a reused statement is one prepared since the last write.
 *
 * <p>Confined to the thread holding the connection (the reader running a {@link ReadSession} on it), except
 * {@link #closeAll}, which the engine calls once no work runs any more.
 */
final class StatementCache {
    private final int capacity;
    private final LinkedHashMap<String, PreparedStatement> statements = new LinkedHashMap<>(16, 0.75f, true);
    private long writes;

    StatementCache(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Closes every statement when the writer lane has run work since they were prepared ({@code writes}, the
     * engine's count of lane work, moved on): the catalog may have changed under them.
     */
    void reset(long writes) {
        if (writes != this.writes) {
            closeAll();
            this.writes = writes;
        }
    }

    /** The open statement prepared from {@code sql}, or null. */
    PreparedStatement get(String sql) {
        PreparedStatement ps = statements.get(sql);
        try {
            if (ps != null && ps.isClosed()) {
                statements.remove(sql);
                return null;
            }
        } catch (SQLException e) {
            statements.remove(sql);
            return null;
        }
        return ps;
    }

    /** Keeps {@code ps} for {@code sql}, closing the least recently used statement beyond the capacity. */
    void put(String sql, PreparedStatement ps) {
        PreparedStatement previous = statements.put(sql, ps);
        if (previous != null && previous != ps) {
            closeQuietly(previous);
        }
        while (statements.size() > capacity) {
            var eldest = statements.entrySet().iterator();
            Map.Entry<String, PreparedStatement> entry = eldest.next();
            eldest.remove();
            closeQuietly(entry.getValue());
        }
    }

    /** Forgets and closes {@code ps}, after a failure or cancellation left it in a state not worth trusting. */
    void evict(PreparedStatement ps) {
        statements.values().removeIf(cached -> cached == ps);
        closeQuietly(ps);
    }

    int size() {
        return statements.size();
    }

    void closeAll() {
        statements.values().forEach(StatementCache::closeQuietly);
        statements.clear();
    }

    private static void closeQuietly(PreparedStatement ps) {
        try {
            ps.close();
        } catch (SQLException ignored) {
            // closing is best effort: the statement goes away with its connection at the latest
        }
    }
}
