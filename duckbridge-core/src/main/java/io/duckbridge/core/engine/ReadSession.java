package io.duckbridge.core.engine;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.duckdb.DuckDBConnection;

/**
 * One unit of work on a borrowed DuckDB connection. Statements made through the session are tracked so
 * that a timeout, a caller's cancellation or the engine's shutdown can interrupt the running DuckDB query;
 * the connection stays usable afterwards. The session, its statements and the connection are only valid
 * inside the work it was handed to. Confined to the thread running that work, except {@link #cancel}.
 */
public final class ReadSession {
    private final DuckDBConnection connection;
    private final StatementCache cache; // null on the writer lane
    private final List<Statement> statements = new ArrayList<>();
    private final List<PreparedStatement> borrowed = new ArrayList<>();
    private volatile boolean cancelled;
    private volatile boolean timedOut;

    ReadSession(DuckDBConnection connection) {
        this(connection, null);
    }

    ReadSession(DuckDBConnection connection, StatementCache cache) {
        this.connection = connection;
        this.cache = cache;
    }

    /**
     * The borrowed connection. Do not close it or keep it: statements on it should be made through
     * {@link #prepare} or {@link #statement} so they can be cancelled.
     */
    public DuckDBConnection connection() {
        return connection;
    }

    /** Prepares {@code sql} on the session's connection; the statement is closed when the work ends. */
    public PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(sql);
        track(ps);
        return ps;
    }

    /**
     * Like {@link #prepare}, but reuses the statement prepared from the same text by earlier work on this
     * reader connection, and keeps it for later work: DuckDB's prepare costs more than running a small
     * query. DuckDB rebinds a reused statement when the catalog changed since it was prepared, so it runs
     * as a fresh one would. Set every parameter before running it, close its result within the work, and
     * do not close the statement. When the work fails or is cancelled the statement is closed and
     * forgotten. On the writer lane this is {@link #prepare}.
     */
    public PreparedStatement prepareCached(String sql) throws SQLException {
        if (cache == null) {
            return prepare(sql);
        }
        PreparedStatement ps = cache.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            cache.put(sql, ps);
        }
        synchronized (statements) {
            borrowed.add(ps);
        }
        if (cancelled) {
            ps.cancel();
        }
        return ps;
    }

    /** Whether the database has the table {@code schema.table} (not a temporary one). */
    public boolean tableExists(String schema, String table) throws SQLException {
        try (PreparedStatement ps = prepare("SELECT count(*) FROM duckdb_tables() WHERE database_name ="
                + " current_database() AND NOT temporary AND schema_name = ? AND table_name = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** A plain statement on the session's connection; closed when the work ends. */
    public Statement statement() throws SQLException {
        Statement st = connection.createStatement();
        track(st);
        return st;
    }

    /** Whether the work was cancelled by a timeout (as opposed to a caller or shutdown). */
    public boolean timedOut() {
        return timedOut;
    }

    public boolean cancelled() {
        return cancelled;
    }

    /** Interrupts the DuckDB query running in this session, if any. Thread-safe. */
    public void cancel() {
        cancelled = true;
        List<Statement> snapshot;
        synchronized (statements) {
            snapshot = new ArrayList<>(statements);
            snapshot.addAll(borrowed);
        }
        for (Statement st : snapshot) {
            try {
                st.cancel();
            } catch (SQLException | RuntimeException ignored) {
                // the statement finished or closed meanwhile: nothing left to interrupt
            }
        }
    }

    void timeout() {
        timedOut = true;
        cancel();
    }

    /**
     * Closes the statements the work made, and returns the reused ones to the connection's cache, or
     * drops them when the work {@code failed} or was cancelled.
     */
    void closeStatements(boolean failed) {
        List<Statement> snapshot;
        List<PreparedStatement> reused;
        synchronized (statements) {
            snapshot = List.copyOf(statements);
            statements.clear();
            reused = List.copyOf(borrowed);
            borrowed.clear();
        }
        for (PreparedStatement ps : reused) {
            if (failed || cancelled) {
                cache.evict(ps);
                continue;
            }
            try {
                ResultSet open = ps.getResultSet(); // a result the work left open would block the connection
                if (open != null) {
                    open.close();
                }
            } catch (SQLException e) {
                cache.evict(ps);
            }
        }
        for (Statement st : snapshot) {
            try {
                st.close();
            } catch (SQLException ignored) {
                // closing is best effort: the connection is reused and its statements go with the session
            }
        }
    }

    private void track(Statement st) throws SQLException {
        synchronized (statements) {
            statements.add(st);
        }
        if (cancelled) {
            st.cancel();
        }
    }
}
