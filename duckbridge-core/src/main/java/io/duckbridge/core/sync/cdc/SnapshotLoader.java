package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.source.PostgresSource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;

/**
 * Copies tables as of a slot's exported snapshot into DuckDB: {@code COPY ... TO STDOUT (FORMAT csv)}
 * inside a transaction that imported the snapshot, into a file under the staging directory, then one
 * writer-lane transaction per table replaces the live table with the file's rows and records the table
 * in {@code duckbridge.cdc_tables}. Values travel in PostgreSQL's text format, the same format pgoutput
 * sends, so snapshot and stream produce identical DuckDB values.
 *
 * <p>This is the CDC module's own loader, kept minimal (one table at a time, no ctid ranges).
 *
 * <p>Stateless; thread-safe.
 */
final class SnapshotLoader {
    private SnapshotLoader() {}

    /**
     * Loads {@code tables} as of {@code snapshotName}.
     *
     * @param applyFrom recorded per table: changes committed before it are in the snapshot; null on the
     *     initial snapshot, where the slot streams nothing older
     * @return the shapes as loaded
     */
    static List<SourceTable> load(
            PostgresSource source,
            DuckDbEngine engine,
            String slot,
            String snapshotName,
            List<String> tables,
            Path stagingDirectory,
            Lsn applyFrom,
            Runnable onTableLoaded) {
        List<SourceTable> loaded = new ArrayList<>();
        try (Connection c = source.connect(ReplicationSetup.plainProperties())) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                st.execute("SET TRANSACTION SNAPSHOT " + SqlNames.literal(snapshotName));
            }
            Files.createDirectories(stagingDirectory);
            for (String name : tables) {
                SourceTable table = ReplicationSetup.describe(c, name);
                Path file = stagingDirectory.resolve("cdc-" + UUID.randomUUID() + ".csv");
                try {
                    copyOut(c, table, file);
                    engine.write(session -> {
                        replace(session, table, file);
                        CdcStateStore.saveTable(session, slot, table, "streaming", applyFrom);
                        return null;
                    });
                } finally {
                    Files.deleteIfExists(file);
                }
                loaded.add(table);
                onTableLoaded.run();
            }
            c.commit();
        } catch (SQLException e) {
            throw PostgresErrors.wrap("snapshot of " + tables + " failed", e);
        } catch (IOException e) {
            throw new DuckbridgeException(
                    ErrorClass.IO, "cannot write snapshot files under " + stagingDirectory + ": " + e, e);
        }
        return loaded;
    }

    private static void copyOut(Connection c, SourceTable table, Path file) throws SQLException, IOException {
        StringBuilder columns = new StringBuilder();
        for (SourceTable.Column column : table.columns()) {
            columns.append(columns.isEmpty() ? "" : ", ").append(SqlNames.quote(column.name()));
        }
        String copy = "COPY (SELECT " + columns + " FROM " + table.quotedSource() + ") TO STDOUT (FORMAT csv)";
        try (OutputStream out = Files.newOutputStream(file)) {
            c.unwrap(PGConnection.class).getCopyAPI().copyOut(copy, out);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Replaces the live table with the file's rows, inside the caller's lane transaction. */
    private static void replace(ReadSession session, SourceTable table, Path file) throws SQLException {
        StringBuilder ddl = new StringBuilder();
        StringBuilder csvColumns = new StringBuilder();
        StringBuilder select = new StringBuilder();
        for (int i = 0; i < table.columns().size(); i++) {
            SourceTable.Column c = table.columns().get(i);
            ddl.append(i == 0 ? "" : ", ")
                    .append(SqlNames.quote(c.name()))
                    .append(' ')
                    .append(c.type().duckType());
            csvColumns.append(i == 0 ? "" : ", ").append("'c").append(i).append("': 'VARCHAR'");
            select.append(i == 0 ? "" : ", ").append(c.type().fromText("c" + i));
        }
        try (Statement st = session.statement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + SqlNames.quote(table.targetSchema()));
            st.execute("CREATE OR REPLACE TABLE " + table.quotedTarget() + " (" + ddl + ")");
            st.execute("INSERT INTO " + table.quotedTarget() + " SELECT " + select + " FROM read_csv("
                    + SqlNames.literal(file.toAbsolutePath().toString())
                    + ", auto_detect = false, header = false, delim = ',', quote = '\"', escape = '\"', nullstr = '',"
                    + " allow_quoted_nulls = false, max_line_size = 1073741824, columns = {" + csvColumns + "})");
        }
    }
}
