package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.engine.ReadSession;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CDC state kept in DuckDB, written in the same writer-lane transaction as the changes it describes:
 * {@code duckbridge.cdc_state} (per slot: the last applied commit LSN and the LSN confirmed after it) and
 * {@code duckbridge.cdc_tables} (per captured table: its shape, state, the LSN from which its changes
 * apply and, for a table in state {@code failed}, why). Stateless; confined to the session it is called with.
 */
final class CdcStateStore {
    private CdcStateStore() {}

    /** The stored position of a slot. */
    record Position(Lsn appliedLsn, Lsn confirmLsn) {}

    /** A stored table row; {@code error} says why a table in state {@code failed} is not streamed, else null. */
    record StoredTable(SourceTable table, String state, Lsn applyFrom, String error) {}

    static void createTables(ReadSession session) throws SQLException {
        try (Statement st = session.statement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS duckbridge");
            st.execute("CREATE TABLE IF NOT EXISTS duckbridge.cdc_state (slot_name VARCHAR NOT NULL,"
                    + " applied_lsn BIGINT NOT NULL, applied_lsn_text VARCHAR NOT NULL, confirm_lsn BIGINT NOT NULL,"
                    + " commit_time TIMESTAMPTZ, updated_at TIMESTAMPTZ NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS duckbridge.cdc_tables (slot_name VARCHAR NOT NULL,"
                    + " source_table VARCHAR NOT NULL, target_table VARCHAR NOT NULL, columns VARCHAR NOT NULL,"
                    + " key_columns VARCHAR NOT NULL, state VARCHAR NOT NULL, apply_from BIGINT,"
                    + " updated_at TIMESTAMPTZ NOT NULL)");
            // added after the first release: files written before it get the column here
            st.execute("ALTER TABLE duckbridge.cdc_tables ADD COLUMN IF NOT EXISTS error VARCHAR");
        }
    }

    static Position position(ReadSession session, String slot) throws SQLException {
        try (PreparedStatement ps =
                session.prepare("SELECT applied_lsn, confirm_lsn FROM duckbridge.cdc_state WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Position(new Lsn(rs.getLong(1)), new Lsn(rs.getLong(2))) : null;
            }
        }
    }

    static void savePosition(ReadSession session, String slot, Lsn applied, Lsn confirm, Instant commitTime)
            throws SQLException {
        // one statement per batch in the common case: the slot's row exists after the first batch
        try (PreparedStatement ps = session.prepare("UPDATE duckbridge.cdc_state SET applied_lsn = ?,"
                + " applied_lsn_text = ?, confirm_lsn = ?, commit_time = ?, updated_at = now() WHERE slot_name = ?")) {
            ps.setLong(1, applied.value());
            ps.setString(2, applied.toString());
            ps.setLong(3, confirm.value());
            ps.setTimestamp(4, commitTime == null ? null : Timestamp.from(commitTime));
            ps.setString(5, slot);
            if (ps.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement ps = session.prepare("INSERT INTO duckbridge.cdc_state VALUES (?, ?, ?, ?, ?, now())")) {
            ps.setString(1, slot);
            ps.setLong(2, applied.value());
            ps.setString(3, applied.toString());
            ps.setLong(4, confirm.value());
            ps.setTimestamp(5, commitTime == null ? null : Timestamp.from(commitTime));
            ps.execute();
        }
    }

    static Map<String, StoredTable> tables(ReadSession session, String slot) throws SQLException {
        Map<String, StoredTable> tables = new LinkedHashMap<>();
        try (PreparedStatement ps = session.prepare("SELECT source_table, columns, key_columns, state, apply_from,"
                + " error FROM duckbridge.cdc_tables WHERE slot_name = ? ORDER BY source_table")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String[] name = SourceTable.parseName(rs.getString(1));
                    SourceTable table = new SourceTable(
                            name[0],
                            name[1],
                            SourceTable.decodeColumns(rs.getString(2)),
                            SourceTable.decodeKey(rs.getString(3)));
                    long applyFrom = rs.getLong(5);
                    tables.put(
                            table.qualifiedName(),
                            new StoredTable(
                                    table, rs.getString(4), rs.wasNull() ? null : new Lsn(applyFrom), rs.getString(6)));
                }
            }
        }
        return tables;
    }

    static void saveTable(ReadSession session, String slot, SourceTable table, String state, Lsn applyFrom)
            throws SQLException {
        saveTable(session, slot, table, state, applyFrom, null);
    }

    /** Saves a table's row; {@code error} is why a table in state {@code failed} is not streamed. */
    static void saveTable(
            ReadSession session, String slot, SourceTable table, String state, Lsn applyFrom, String error)
            throws SQLException {
        deleteTable(session, slot, table.qualifiedName());
        try (PreparedStatement ps = session.prepare("INSERT INTO duckbridge.cdc_tables (slot_name, source_table,"
                + " target_table, columns, key_columns, state, apply_from, error, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())")) {
            ps.setString(1, slot);
            ps.setString(2, table.qualifiedName());
            ps.setString(3, table.targetSchema() + "." + table.name());
            ps.setString(4, table.encodeColumns());
            ps.setString(5, table.encodeKey());
            ps.setString(6, state);
            if (applyFrom == null) {
                ps.setNull(7, java.sql.Types.BIGINT);
            } else {
                ps.setLong(7, applyFrom.value());
            }
            ps.setString(8, error);
            ps.execute();
        }
    }

    static void deleteTable(ReadSession session, String slot, String qualifiedName) throws SQLException {
        try (PreparedStatement ps =
                session.prepare("DELETE FROM duckbridge.cdc_tables WHERE slot_name = ? AND source_table = ?")) {
            ps.setString(1, slot);
            ps.setString(2, qualifiedName);
            ps.execute();
        }
    }

    /** Forgets everything about a slot (after an explicit disable, or before a new initial snapshot). */
    static void forget(ReadSession session, String slot) throws SQLException {
        for (String table : new String[] {"duckbridge.cdc_state", "duckbridge.cdc_tables"}) {
            try (PreparedStatement ps = session.prepare("DELETE FROM " + table + " WHERE slot_name = ?")) {
                ps.setString(1, slot);
                ps.execute();
            }
        }
    }
}
