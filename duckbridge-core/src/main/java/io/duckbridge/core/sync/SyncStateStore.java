package io.duckbridge.core.sync;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.ReadSession;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.schema.TableName;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and writes {@code duckbridge.sync_state} in DuckDB: one row per table, replaced by every run.
 * Writes happen on the writer lane (in the same transaction as the data they describe, through
 * {@link #save(ReadSession, SyncState)}); reads on a reader. Thread-safe.
 */
public final class SyncStateStore {
    private static final Logger log = LoggerFactory.getLogger(SyncStateStore.class);
    static final String TABLE = "duckbridge.sync_state";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String COLUMNS = "table_name, mode, started, finished, rows, bytes, watermark, snapshot,"
            + " status, error, lossy, columns, incremental_runs, source_identity";

    private final DuckDbEngine engine;

    /** Creates the schema and table when missing, and adds the columns later versions use to an older table. */
    public SyncStateStore(DuckDbEngine engine) {
        this.engine = engine;
        engine.executeOnLane("CREATE SCHEMA IF NOT EXISTS duckbridge");
        engine.executeOnLane("CREATE TABLE IF NOT EXISTS " + TABLE + " (table_name VARCHAR NOT NULL, mode VARCHAR,"
                + " started TIMESTAMPTZ, finished TIMESTAMPTZ, rows BIGINT, bytes BIGINT, watermark VARCHAR,"
                + " snapshot VARCHAR, status VARCHAR, error VARCHAR, lossy JSON, columns VARCHAR,"
                + " incremental_runs INTEGER)");
        // added after the first release: a database written by an earlier version gets it empty (identity
        // unknown), which the next incremental run fills in without a full sync
        engine.executeOnLane("ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS source_identity VARCHAR");
    }

    public Optional<SyncState> find(TableName table) {
        return engine.read(session -> {
            PreparedStatement ps = session.prepare("SELECT " + COLUMNS + " FROM " + TABLE + " WHERE table_name = ?");
            ps.setString(1, table.key());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.<SyncState>empty();
            }
        });
    }

    /** Every table's state, by table name. */
    public Map<TableName, SyncState> all() {
        return engine.read(session -> {
            Map<TableName, SyncState> out = new LinkedHashMap<>();
            PreparedStatement ps = session.prepare("SELECT " + COLUMNS + " FROM " + TABLE + " ORDER BY table_name");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SyncState s;
                    try {
                        s = read(rs);
                    } catch (DuckbridgeException e) {
                        // a row an earlier version keyed ambiguously (a name with a dot, unquoted): one
                        // unreadable row must not hide every other table's state
                        log.warn("skipping the sync state of {}: {}", rs.getString(1), e.getMessage());
                        continue;
                    }
                    out.put(s.table(), s);
                }
            }
            return out;
        });
    }

    /** Replaces the table's row through the writer lane, in its own transaction. */
    public void save(SyncState state) {
        engine.write(session -> {
            save(session, state);
            return null;
        });
    }

    /** Deletes the table's row inside the caller's lane transaction; false when it had none. */
    public static boolean delete(ReadSession session, TableName table) throws SQLException {
        PreparedStatement delete = session.prepare("DELETE FROM " + TABLE + " WHERE table_name = ?");
        delete.setString(1, table.key());
        return delete.executeUpdate() > 0;
    }

    /** Replaces the table's row inside the caller's lane transaction. */
    public static void save(ReadSession session, SyncState state) throws SQLException {
        delete(session, state.table());
        PreparedStatement ps = session.prepare(
                "INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        ps.setString(1, state.table().key());
        ps.setString(2, state.mode());
        setInstant(ps, 3, state.started());
        setInstant(ps, 4, state.finished());
        ps.setLong(5, state.rows());
        ps.setLong(6, state.bytes());
        ps.setString(7, state.watermark());
        ps.setString(8, state.snapshot());
        ps.setString(9, state.status());
        ps.setString(10, state.error());
        ps.setString(11, JSON.writeValueAsString(state.lossy()));
        ps.setString(12, state.columns());
        ps.setInt(13, state.incrementalRuns());
        ps.setString(14, state.identity());
        ps.executeUpdate();
    }

    private static void setInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
        if (instant == null) {
            ps.setNull(index, Types.TIMESTAMP);
        } else {
            ps.setTimestamp(index, Timestamp.from(instant));
        }
    }

    private static SyncState read(ResultSet rs) throws SQLException {
        String lossyJson = rs.getString(11);
        Map<String, Long> lossy = lossyJson == null
                ? Map.of()
                : JSON.readValue(lossyJson, new TypeReference<LinkedHashMap<String, Long>>() {});
        return new SyncState(
                TableName.parse(rs.getString(1)),
                rs.getString(2),
                instant(rs, 3),
                instant(rs, 4),
                rs.getLong(5),
                rs.getLong(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9),
                rs.getString(10),
                lossy,
                rs.getString(12),
                rs.getInt(13),
                rs.getString(14));
    }

    private static Instant instant(ResultSet rs, int index) throws SQLException {
        Object v = rs.getObject(index);
        if (v == null) {
            return null;
        }
        if (v instanceof java.time.OffsetDateTime o) {
            return o.toInstant();
        }
        if (v instanceof Timestamp t) {
            return t.toInstant();
        }
        return Instant.parse(v.toString());
    }

    /** Removes every state row (for tests and resets). */
    List<TableName> tables() {
        return new ArrayList<>(all().keySet());
    }
}
