package io.duckbridge.core.sync.snapshot;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.PgErrors;
import io.duckbridge.core.source.PostgresSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;

/**
 * One PostgreSQL snapshot that several reader connections share, so every table of a sync run (and every
 * ctid range of a table) is read as of the same moment.
 *
 * <p>{@link #export} opens a connection, starts a {@code REPEATABLE READ} transaction and calls
 * {@code pg_export_snapshot()}; that connection is held until {@link #close()} (the snapshot lives only as
 * long as its transaction). {@link #imported} uses a snapshot exported by someone else, e.g. the name
 * returned by {@code CREATE_REPLICATION_SLOT ... LOGICAL pgoutput (SNAPSHOT 'export')}: the caller keeps that
 * replication connection open and idle until the readers are done.
 *
 * <p>Readers ({@link #openReader}) join with {@code SET TRANSACTION SNAPSHOT} and use fixed session settings
 * ({@code DateStyle=ISO}, {@code TimeZone=UTC}, {@code IntervalStyle=postgres}, {@code bytea_output=hex},
 * {@code extra_float_digits=3}) so that the text output is what {@link io.duckbridge.core.schema.ColumnMapping}
 * reads. Thread-safe; {@link #close()} is idempotent.
 */
public final class SourceSnapshot implements AutoCloseable {
    private static final Pattern SNAPSHOT_NAME = Pattern.compile("[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+");
    /**
     * Settings of every session that reads rows for a sync (snapshot and incremental): the text formats the
     * decoders expect, and — as pg_dump does — no statement, idle-in-transaction or transaction timeout of the
     * role's, which would end a long copy or the idle session that holds the exported snapshot while the readers
     * copy (every later reader then failed to join it).
     */
    public static final String SESSION_SETTINGS = "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC';"
            + " SET IntervalStyle = 'postgres'; SET bytea_output = 'hex'; SET extra_float_digits = 3;"
            + " SET client_encoding = 'UTF8'; SET statement_timeout = 0;"
            + " SET idle_in_transaction_session_timeout = 0;"
            + " SELECT set_config('transaction_timeout', '0', false)"
            + " WHERE current_setting('server_version_num')::int >= 170000";

    private final PostgresSource source;
    private final String name;
    private final Connection holder;
    private final Instant time;
    private volatile boolean closed;

    private SourceSnapshot(PostgresSource source, String name, Connection holder, Instant time) {
        this.source = source;
        this.name = name;
        this.holder = holder;
        this.time = time;
    }

    /**
     * Exports a new snapshot with {@code pg_export_snapshot()}.
     *
     * @throws DuckbridgeException SOURCE_UNAVAILABLE when PostgreSQL cannot be reached
     */
    public static SourceSnapshot export(PostgresSource source) {
        Connection c = source.connect();
        try {
            try (Statement st = c.createStatement()) {
                st.execute(SESSION_SETTINGS);
            }
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT pg_export_snapshot()," + " (extract(epoch FROM now()) * 1000000)::bigint")) {
                rs.next();
                return new SourceSnapshot(
                        source, rs.getString(1), c, Instant.EPOCH.plus(rs.getLong(2), ChronoUnit.MICROS));
            }
        } catch (SQLException e) {
            closeQuietly(c);
            throw PgErrors.wrap("exporting a PostgreSQL snapshot", e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Uses a snapshot exported elsewhere (for example by a replication slot created with
     * {@code EXPORT_SNAPSHOT}); the exporter must stay open and idle while this snapshot is read.
     *
     * @throws DuckbridgeException INVALID_REQUEST when {@code snapshotName} is not a snapshot name
     */
    public static SourceSnapshot imported(PostgresSource source, String snapshotName) {
        if (snapshotName == null || !SNAPSHOT_NAME.matcher(snapshotName).matches()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "\"" + snapshotName + "\" is not an exported snapshot name (like 00000003-0000001B-1)");
        }
        return new SourceSnapshot(source, snapshotName, null, null);
    }

    /**
     * PostgreSQL's {@code now()} in the exporting transaction, which started before the snapshot was taken; null
     * for an {@link #imported} snapshot.
     */
    public Instant time() {
        return time;
    }

    /** The snapshot's name, e.g. {@code 00000003-0000001B-1}. */
    public String name() {
        return name;
    }

    public PostgresSource source() {
        return source;
    }

    /**
     * A new connection inside a {@code REPEATABLE READ READ ONLY} transaction on this snapshot; the caller
     * closes it.
     *
     * @throws DuckbridgeException SOURCE_UNAVAILABLE when PostgreSQL cannot be reached, or the class of
     *     PostgreSQL's refusal (e.g. the snapshot no longer exists)
     */
    public Connection openReader() {
        if (closed) {
            throw new DuckbridgeException(ErrorClass.INTERNAL, "snapshot " + name + " is closed");
        }
        Connection c = source.connect();
        try {
            try (Statement st = c.createStatement()) {
                st.execute(SESSION_SETTINGS);
            }
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement()) {
                // SET TRANSACTION SNAPSHOT takes no parameters; the name was validated or came from the server
                st.execute("SET TRANSACTION READ ONLY");
                st.execute("SET TRANSACTION SNAPSHOT '" + name + "'");
            }
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            if ("42704".equals(e.getSQLState()) || "22023".equals(e.getSQLState())) {
                // the snapshot is gone: the session that exported it ended (killed, or a timeout of the server's)
                throw new DuckbridgeException(
                        ErrorClass.SOURCE_UNAVAILABLE,
                        "PostgreSQL snapshot " + name + " no longer exists: the session that exported it ended"
                                + " (terminated, or ended by a timeout such as idle_in_transaction_session_timeout);"
                                + " run the sync again: PostgreSQL error " + e.getSQLState() + ": " + e.getMessage(),
                        e);
            }
            throw PgErrors.wrap("joining PostgreSQL snapshot " + name, e);
        }
    }

    /** Ends the exporting transaction (for an exported snapshot). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (holder != null) {
            try {
                holder.rollback();
            } catch (SQLException ignored) {
                // the connection may already be gone; closing it ends the transaction anyway
            }
            closeQuietly(holder);
        }
    }

    static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // nothing more to release
        }
    }
}
