package io.duckbridge.core.sync.cdc;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.source.PostgresSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The PostgreSQL side of CDC: the publication, the logical replication slot, table descriptions and
 * replica identity checks. Stateless; every method uses the connection it is given. Thread-safe.
 */
final class ReplicationSetup {
    private ReplicationSetup() {}

    /** What {@code pg_replication_slots} says about a slot. */
    record SlotInfo(Lsn confirmedFlush, Lsn restartLsn, String walStatus, boolean active, String invalidation) {
        boolean lost() {
            return "lost".equals(walStatus) || invalidation != null;
        }
    }

    /** A slot just created with an exported snapshot; the snapshot lives as long as this connection. */
    record ExportedSlot(Connection replicationConnection, Lsn consistentPoint, String snapshotName)
            implements AutoCloseable {
        @Override
        public void close() {
            try {
                replicationConnection.close();
            } catch (SQLException ignored) {
                // the snapshot and a temporary slot end with the connection either way
            }
        }
    }

    static Properties replicationProperties() {
        Properties props = new Properties();
        props.setProperty("replication", "database");
        props.setProperty("assumeMinServerVersion", "10");
        props.setProperty("preferQueryMode", "simple");
        // pgoutput's text values come from the walsender's output functions: the same settings as the
        // snapshot readers, so the sync feature's value codecs read both the same way
        props.setProperty(
                "options",
                "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c bytea_output=hex"
                        + " -c extra_float_digits=3");
        return props;
    }

    static Properties plainProperties() {
        Properties props = new Properties();
        props.setProperty("options", "-c TimeZone=UTC -c DateStyle=ISO -c bytea_output=hex");
        return props;
    }

    static int serverVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1));
        }
    }

    /** Every user table of the database, {@code schema.table}, in name order. */
    static List<String> allUserTables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT n.nspname, c.relname FROM pg_class c"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
                        + " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                        + " AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2")) {
            while (rs.next()) {
                tables.add(rs.getString(1) + "." + rs.getString(2));
            }
        }
        return tables;
    }

    /** Whether {@code qualified} ({@code schema.table}) names a table of the database. */
    static boolean exists(Connection c, String qualified) throws SQLException {
        String[] name = SourceTable.parseName(qualified);
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_class cl JOIN pg_namespace n"
                + " ON n.oid = cl.relnamespace WHERE n.nspname = ? AND cl.relname = ? AND cl.relkind IN ('r', 'p')")) {
            ps.setString(1, name[0]);
            ps.setString(2, name[1]);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Reads a table's columns and key from the catalog.
     *
     * @throws DuckbridgeException NOT_FOUND when the table does not exist
     */
    static SourceTable describe(Connection c, String qualified) throws SQLException {
        String[] name = SourceTable.parseName(qualified);
        List<SourceTable.Column> columns = new ArrayList<>();
        List<Integer> primaryKey = new ArrayList<>();
        List<Integer> identityIndex = new ArrayList<>();
        char replicaIdentity = 'd';
        // stored generated columns (PostgreSQL 12+) are left out: pgoutput never sends them (before
        // PostgreSQL 18's publish_generated_columns), so the stream could not keep them, and the first change
        // would otherwise read their absence as a dropped column
        String notGenerated = c.getMetaData().getDatabaseMajorVersion() >= 12 ? " AND a.attgenerated = ''" : "";
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, a.atttypid, a.atttypmod, a.attnum,"
                + " a.attndims,"
                + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = cl.oid AND i.indisprimary"
                + "   AND a.attnum = ANY (i.indkey)),"
                + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = cl.oid AND i.indisreplident"
                + "   AND a.attnum = ANY (i.indkey)),"
                + " cl.relreplident"
                + " FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace"
                + " JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped"
                + notGenerated
                + " WHERE n.nspname = ? AND cl.relname = ? ORDER BY a.attnum")) {
            ps.setString(1, name[0]);
            ps.setString(2, name[1]);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int index = columns.size();
                    int dims = rs.getInt(5);
                    columns.add(new SourceTable.Column(
                            rs.getString(1),
                            rs.getInt(2),
                            rs.getInt(3),
                            rs.getInt(4),
                            dims,
                            BuiltinTypes.of(rs.getInt(2), rs.getInt(3))));
                    if (rs.getBoolean(6)) {
                        primaryKey.add(index);
                    }
                    if (rs.getBoolean(7)) {
                        identityIndex.add(index);
                    }
                    replicaIdentity = rs.getString(8).charAt(0);
                }
            }
        }
        if (columns.isEmpty()) {
            throw new DuckbridgeException(
                    ErrorClass.NOT_FOUND, "PostgreSQL table " + name[0] + "." + name[1] + " does not exist");
        }
        List<Integer> key = replicaIdentity == 'i' ? identityIndex : primaryKey;
        return new SourceTable(name[0], name[1], resolveTypes(c, columns), key);
    }

    /**
     * Tables whose updates and deletes cannot be captured: no primary key and replica identity DEFAULT,
     * or replica identity NOTHING. Each entry names the table and the statement that fixes it.
     */
    static List<String> identityProblems(Connection c, List<String> tables) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT cl.relreplident,"
                + " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = cl.oid AND i.indisprimary)"
                + " FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace"
                + " WHERE n.nspname = ? AND cl.relname = ?")) {
            for (String table : tables) {
                String[] name = SourceTable.parseName(table);
                ps.setString(1, name[0]);
                ps.setString(2, name[1]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new DuckbridgeException(
                                ErrorClass.NOT_FOUND, "PostgreSQL table " + table + " does not exist");
                    }
                    char identity = rs.getString(1).charAt(0);
                    boolean primaryKey = rs.getBoolean(2);
                    String alter = "ALTER TABLE " + SqlNames.quote(name[0], name[1]) + " REPLICA IDENTITY ";
                    if (identity == 'n') {
                        // NOTHING logs no old key at all, whatever keys the table has
                        problems.add(table + " has REPLICA IDENTITY NOTHING; run: " + alter
                                + (primaryKey ? "DEFAULT; (it uses the primary key)" : "FULL;"));
                    } else if (identity == 'd' && !primaryKey) {
                        problems.add(
                                table + " has no primary key and REPLICA IDENTITY DEFAULT; run: " + alter + "FULL;");
                    }
                }
            }
        }
        return problems;
    }

    /** A column's number now and whether rows that existed before it was added have a value in it. */
    record CatalogColumn(int attnum, int dimensions, boolean hasDefaultForOldRows) {}

    /** The columns typed as the catalog says (enum labels, domains, composites, array dimensions). */
    static List<SourceTable.Column> resolveTypes(Connection c, List<SourceTable.Column> columns) {
        io.duckbridge.core.schema.CatalogReader catalog = new io.duckbridge.core.schema.CatalogReader();
        List<SourceTable.Column> out = new ArrayList<>(columns.size());
        for (SourceTable.Column column : columns) {
            out.add(column.withType(catalog.type(
                    c, Integer.toUnsignedLong(column.typeOid()), column.typeModifier(), column.dimensions())));
        }
        return out;
    }

    /**
     * A table's columns as the catalog says now: the live ones by name, and the highest number of a dropped
     * one (0 when none was ever dropped).
     */
    record Catalog(java.util.Map<String, CatalogColumn> columns, int highestDropped) {}

    /** The catalog of the table with this OID (one query over its live and dropped columns). */
    static Catalog catalog(Connection c, int relationId) throws SQLException {
        java.util.Map<String, CatalogColumn> columns = new java.util.HashMap<>();
        int highestDropped = 0;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT a.attname, a.attnum, a.attndims, a.atthasmissing OR a.atthasdef, a.attisdropped"
                        + " FROM pg_attribute a WHERE a.attrelid = ? AND a.attnum > 0")) {
            ps.setLong(1, Integer.toUnsignedLong(relationId));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(5)) {
                        highestDropped = Math.max(highestDropped, rs.getInt(2));
                    } else {
                        columns.put(rs.getString(1), new CatalogColumn(rs.getInt(2), rs.getInt(3), rs.getBoolean(4)));
                    }
                }
            }
        }
        return new Catalog(columns, highestDropped);
    }

    /**
     * Creates the publication for exactly {@code tables}, or changes an existing one to them. Changes to a
     * partitioned table's partitions are published as the partitioned table's ({@code
     * publish_via_partition_root}), the one table the sync copies: without it PostgreSQL sends them under the
     * partitions' names, which nothing captures.
     *
     * @return the tables of {@code tables} an existing publication did not hold (taken out with {@code ALTER
     *     PUBLICATION … DROP TABLE}, or dropped and created again, which takes a table out too): PostgreSQL sent
     *     none of their changes meanwhile. Empty when the publication was created here.
     */
    static Set<String> ensurePublication(Connection c, String publication, List<String> tables) throws SQLException {
        StringBuilder list = new StringBuilder();
        for (String table : tables) {
            String[] name = SourceTable.parseName(table);
            list.append(list.isEmpty() ? "" : ", ").append(SqlNames.quote(name[0], name[1]));
        }
        Set<String> existing = publishedTables(c, publication);
        try (Statement st = c.createStatement()) {
            if (existing == null) {
                st.execute("CREATE PUBLICATION " + SqlNames.quote(publication) + " FOR TABLE " + list
                        + " WITH (publish_via_partition_root = true)");
                return Set.of();
            }
            if (!viaPartitionRoot(c, publication)) {
                st.execute("ALTER PUBLICATION " + SqlNames.quote(publication)
                        + " SET (publish_via_partition_root = true)");
                existing = publishedTables(c, publication);
            }
            Set<String> missing = new LinkedHashSet<>(tables);
            missing.removeAll(existing);
            if (!existing.equals(new LinkedHashSet<>(tables))) {
                st.execute("ALTER PUBLICATION " + SqlNames.quote(publication) + " SET TABLE " + list);
            }
            return missing;
        }
    }

    private static boolean viaPartitionRoot(Connection c, String publication) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pubviaroot FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The tables in a publication, or null when there is no such publication. */
    static Set<String> publishedTables(Connection c, String publication) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
            }
        }
        Set<String> tables = new LinkedHashSet<>();
        try (PreparedStatement ps =
                c.prepareStatement("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1) + "." + rs.getString(2));
                }
            }
        }
        return tables;
    }

    static void dropPublication(Connection c, String publication) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("DROP PUBLICATION IF EXISTS " + SqlNames.quote(publication));
        }
    }

    static Optional<SlotInfo> slot(Connection c, String slot) throws SQLException {
        boolean hasInvalidationReason = serverVersion(c) >= 170000;
        try (PreparedStatement ps =
                c.prepareStatement("SELECT confirmed_flush_lsn::text, restart_lsn::text, wal_status, active, "
                        + (hasInvalidationReason ? "invalidation_reason" : "NULL::text")
                        + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SlotInfo(
                        rs.getString(1) == null ? null : Lsn.parse(rs.getString(1)),
                        rs.getString(2) == null ? null : Lsn.parse(rs.getString(2)),
                        rs.getString(3),
                        rs.getBoolean(4),
                        rs.getString(5)));
            }
        }
    }

    /**
     * Creates a logical slot with {@code pgoutput} over a new replication connection and exports its
     * snapshot: the data as of the slot's consistent point, so a copy read in it plus the changes the
     * slot streams is exactly the table, nothing missed and nothing twice.
     *
     * @param temporary whether the slot ends with the connection (used for the snapshot of a resync)
     */
    static ExportedSlot createSlotExportingSnapshot(PostgresSource source, String slot, boolean temporary)
            throws SQLException {
        Connection replication = source.connect(replicationProperties());
        try {
            boolean newSyntax = serverVersion(replication) >= 150000;
            String sql = "CREATE_REPLICATION_SLOT " + SqlNames.quote(slot) + (temporary ? " TEMPORARY" : "")
                    + " LOGICAL pgoutput" + (newSyntax ? " (SNAPSHOT 'export')" : " EXPORT_SNAPSHOT");
            try (Statement st = replication.createStatement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                // columns: slot_name, consistent_point, snapshot_name, output_plugin
                return new ExportedSlot(replication, Lsn.parse(rs.getString(2)), rs.getString(3));
            }
        } catch (SQLException | RuntimeException e) {
            replication.close();
            throw e;
        }
    }

    /**
     * Drops a slot, waiting up to {@code attempts} tenths of a second for a walsender that is still
     * shutting down to release it.
     */
    static void dropSlot(Connection c, String slot, int attempts) throws SQLException, InterruptedException {
        for (int i = 0; ; i++) {
            Optional<SlotInfo> info = slot(c, slot);
            if (info.isEmpty()) {
                return;
            }
            if (!info.get().active() || i >= attempts) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                    ps.setString(1, slot);
                    ps.execute();
                    return;
                } catch (SQLException e) {
                    // 55006 object in use: the walsender has not let go yet
                    if (!"55006".equals(e.getSQLState()) || i >= attempts) {
                        throw e;
                    }
                }
            }
            Thread.sleep(100);
        }
    }
}
