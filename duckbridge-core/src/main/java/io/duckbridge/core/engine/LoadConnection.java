package io.duckbridge.core.engine;

import java.sql.SQLException;
import java.util.function.Consumer;
import org.duckdb.DuckDBConnection;

/**
 * A lease on a DuckDB connection for bulk loads ({@link DuckDbEngine#loadConnection}), in manual-commit mode.
 * {@link #close()} rolls back whatever was not committed and hands the connection back. Confined to one
 * thread at a time.
 */
public final class LoadConnection implements AutoCloseable {
    private final DuckDBConnection connection;
    private final boolean unordered;
    private final Consumer<DuckDBConnection> release;
    private boolean released;

    LoadConnection(DuckDBConnection connection, boolean unordered, Consumer<DuckDBConnection> release) {
        this.connection = connection;
        this.unordered = unordered;
        this.release = release;
    }

    public DuckDBConnection connection() {
        return connection;
    }

    /** Whether the connection lets DuckDB insert in any order (and so on all its threads at once). */
    public boolean unordered() {
        return unordered;
    }

    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            connection.rollback();
        } catch (SQLException broken) {
            try {
                connection.close(); // not given back: a broken connection must not serve the next load
            } catch (SQLException ignored) {
                // closing a broken connection releases what it can
            }
            return;
        }
        release.accept(connection);
    }
}
