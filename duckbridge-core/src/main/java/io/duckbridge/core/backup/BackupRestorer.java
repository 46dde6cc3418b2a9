package io.duckbridge.core.backup;

import static io.duckbridge.core.backup.ContentSummary.literal;
import static io.duckbridge.core.backup.ContentSummary.quote;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.duckdb.DuckDBConnection;

/**
 * Puts a validated, decompressed backup in place of the live contents.
 *
 * <p>Online: the restored file is attached read-only on the writer lane and, inside one lane transaction,
 * every schema, table, view, sequence, macro and type of the live database is dropped and
 * {@code COPY FROM DATABASE} recreates them from the backup. Readers keep running and see the old
 * contents until the commit, the new ones after; writes wait for the lane step. The engine keeps its file
 * and connections, so nothing else has to reopen.
 *
 * <p>Offline: the restored file replaces the database file (its stale WAL removed) with an atomic rename.
 * Stateless.
 */
final class BackupRestorer {
    private BackupRestorer() {}

    /** Replaces the live contents with the DuckDB file {@code restored}; returns the lane step's duration. */
    static long swapOnline(DuckDbEngine engine, Path restored, String id) {
        String alias = "duckbridge_restore_"
                + id.toLowerCase(Locale.ROOT).replace('-', '_') + "_"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 16));
        long started = System.nanoTime();
        try {
            engine.laneAsync(session -> {
                        swap(session, restored, alias);
                        return null;
                    })
                    .join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof DuckbridgeException d) {
                throw new DuckbridgeException(
                        d.errorClass(), "restoring backup " + id + " failed: " + d.getMessage(), d);
            }
            throw new DuckbridgeException(
                    ErrorClass.INTERNAL, "restoring backup " + id + " failed: " + e.getCause(), e);
        }
        long pause = Duration.ofNanos(System.nanoTime() - started).toMillis();
        engine.checkpoint();
        return pause;
    }

    private static void swap(ReadSession session, Path restored, String alias) throws SQLException {
        DuckDBConnection c = session.connection();
        String database = ContentSummary.currentDatabase(c);
        execute(session, "ATTACH " + literal(restored.toString()) + " AS " + quote(alias) + " (READ_ONLY)");
        try {
            c.setAutoCommit(false);
            try {
                for (String statement : dropEverything(c, database)) {
                    execute(session, statement);
                }
                execute(session, "COPY FROM DATABASE " + quote(alias) + " TO " + quote(database));
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } finally {
            execute(session, "DETACH " + quote(alias));
        }
    }

    /** DROP statements for every user object of {@code database}, dependants first. */
    private static List<String> dropEverything(Connection c, String database) throws SQLException {
        List<String> drops = new ArrayList<>();
        String db = quote(database) + ".";
        for (String[] r : rows(
                c,
                "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? AND NOT internal"
                        + " AND NOT temporary AND schema_name = 'main'",
                database)) {
            drops.add("DROP VIEW IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT DISTINCT schema_name, function_name, function_type FROM duckdb_functions()"
                        + " WHERE database_name = ? AND NOT internal AND schema_name = 'main'"
                        + " AND function_type IN ('macro', 'table_macro')",
                database)) {
            drops.add("DROP MACRO " + ("table_macro".equals(r[2]) ? "TABLE " : "") + "IF EXISTS " + db + quote(r[0])
                    + "." + quote(r[1]));
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary"
                        + " AND schema_name = 'main'",
                database)) {
            drops.add("DROP TABLE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, sequence_name FROM duckdb_sequences() WHERE database_name = ?"
                        + " AND NOT temporary AND schema_name = 'main'",
                database)) {
            drops.add("DROP SEQUENCE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, type_name FROM duckdb_types() WHERE database_name = ? AND NOT internal"
                        + " AND schema_name = 'main'",
                database)) {
            drops.add("DROP TYPE IF EXISTS " + db + quote(r[0]) + "." + quote(r[1]) + " CASCADE");
        }
        for (String[] r : rows(
                c,
                "SELECT schema_name, schema_name FROM duckdb_schemas() WHERE database_name = ? AND NOT internal"
                        + " AND schema_name <> 'main'",
                database)) {
            drops.add("DROP SCHEMA IF EXISTS " + db + quote(r[0]) + " CASCADE");
        }
        return drops;
    }

    private static List<String[]> rows(Connection c, String sql, String database) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    String[] row = new String[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /**
     * Offline: moves the validated file {@code restored} over {@code databaseFile}, which no process may
     * have open.
     *
     * @throws DuckbridgeException CONFLICT when another process holds {@code databaseFile}
     */
    static void replaceFile(Path restored, Path databaseFile) throws IOException {
        Path target = databaseFile.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            ensureNotOpen(target);
        }
        Path incoming = target.resolveSibling("." + target.getFileName() + ".restoring");
        Files.deleteIfExists(incoming);
        try {
            Files.move(restored, incoming, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileSystemException e) {
            Files.copy(restored, incoming, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel channel = FileChannel.open(incoming, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        // the old file's WAL belongs to the old file: replaying it onto the restored one would corrupt it
        Files.deleteIfExists(Path.of(target + ".wal"));
        Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        ArchiveCodec.fsyncDirectory(target.getParent());
    }

    private static void ensureNotOpen(Path target) {
        // opening takes DuckDB's file lock, which fails with a message naming the holder when a server has it
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + target)) {
            try (Statement st = c.createStatement()) {
                st.execute("CHECKPOINT");
            }
        } catch (SQLException e) {
            throw new DuckbridgeException(
                    ErrorClass.CONFLICT,
                    "cannot restore over " + target + " while it is in use: " + e.getMessage()
                            + "; stop the server, or restore through it with --url",
                    e);
        }
    }

    private static void execute(ReadSession session, String sql) throws SQLException {
        try (Statement st = session.statement()) {
            st.execute(sql);
        }
    }
}
