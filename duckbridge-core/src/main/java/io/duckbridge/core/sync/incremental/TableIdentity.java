package io.duckbridge.core.sync.incremental;

import io.duckbridge.core.schema.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a PostgreSQL table was when a sync read it, beyond its name and column types: its relations
 * ({@code pg_class} OID and {@code relfilenode}; for a partitioned table also those of every partition, from
 * {@code pg_partition_tree}) and each column's number ({@code attnum}). Stored with the sync state
 * ({@code sync_state.source_identity}, as JSON) and compared by the next incremental run: a new OID means the
 * table was dropped and created again, a new {@code relfilenode} that it was truncated or rewritten, a column
 * whose name stayed but whose number changed that it was dropped and added again. Change data capture tells
 * these apart by {@code attnum} the same way (its {@code SchemaDiff}). Immutable.
 *
 * @param relations the table first (level 0), then its partitions by level and OID
 * @param attnums column name to {@code attnum}, in column order
 */
public record TableIdentity(List<Relation> relations, Map<String, Integer> attnums) {
    private static final Logger log = LoggerFactory.getLogger(TableIdentity.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String RELATIONS = """
            SELECT n.nspname, c.relname, c.oid, c.relfilenode, t.level, t.isleaf
              FROM (SELECT to_regclass(?) AS root) r
             CROSS JOIN LATERAL (
                    SELECT p.relid, p.level, p.isleaf FROM pg_partition_tree(r.root) p
                    UNION ALL -- a table that is not partitioned has no partition tree
                    SELECT r.root, 0, true WHERE NOT EXISTS (SELECT FROM pg_partition_tree(r.root))) t
              JOIN pg_class c ON c.oid = t.relid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             ORDER BY t.level, c.oid
            """;
    private static final String ATTNUMS = """
            SELECT a.attname, a.attnum FROM pg_attribute a
             WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum
            """;

    public TableIdentity {
        relations = List.copyOf(relations);
        attnums = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attnums));
    }

    /**
     * One relation of the table.
     *
     * @param name schema-qualified name ({@link TableName#key()})
     * @param oid {@code pg_class.oid}
     * @param filenode {@code pg_class.relfilenode}; 0 for a partitioned table, which has no storage
     * @param leaf whether it holds rows (a plain table or a leaf partition)
     */
    public record Relation(String name, long oid, long filenode, boolean leaf) {}

    /**
     * Reads the identity of {@code table} in the transaction (and snapshot) of {@code pg}.
     *
     * @return the identity, or null when PostgreSQL has no such table
     */
    public static TableIdentity read(Connection pg, TableName table) throws SQLException {
        List<Relation> relations = new ArrayList<>();
        try (PreparedStatement ps = pg.prepareStatement(RELATIONS)) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    relations.add(new Relation(
                            new TableName(rs.getString(1), rs.getString(2)).key(),
                            rs.getLong(3),
                            rs.getLong(4),
                            rs.getBoolean(6)));
                }
            }
        }
        if (relations.isEmpty()) {
            return null;
        }
        Map<String, Integer> attnums = new LinkedHashMap<>();
        try (PreparedStatement ps = pg.prepareStatement(ATTNUMS)) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    attnums.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return new TableIdentity(relations, attnums);
    }

    /** The text stored in the sync state. */
    public String encode() {
        return JSON.writeValueAsString(this);
    }

    /**
     * Reads {@link #encode()} back.
     *
     * @return the identity, or null when {@code text} is null (a state written before identities were kept)
     *     or unreadable; either means "unknown", never a reason for a full sync by itself
     */
    public static TableIdentity decode(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            TableIdentity identity = JSON.readValue(text, TableIdentity.class);
            return identity.relations().isEmpty() ? null : identity;
        } catch (JacksonException | IllegalArgumentException | NullPointerException e) {
            log.warn("ignoring an unreadable stored table identity: {}", e.getMessage());
            return null;
        }
    }

    /** The table itself (level 0 of the partition tree). */
    Relation table() {
        return relations.getFirst();
    }

    /**
     * Why {@code table} is another table than {@code before} described (a new OID: dropped and created again,
     * or another table renamed to its name); null when it is the same.
     */
    String recreation(TableIdentity before, TableName table) {
        if (before.table().oid() == table().oid()) {
            return null;
        }
        return table + " was dropped and created again in PostgreSQL since the last sync (OID "
                + before.table().oid() + ", now " + table().oid() + "), e.g. restored from a dump";
    }

    /**
     * How the storage of the same table changed since {@code before}: truncated or rewritten (a new
     * {@code relfilenode} of the table or of a partition), or a partition detached or dropped. Partitions that
     * are new since {@code before} are not judged here (see {@link #newPartitions}): one created empty needs no
     * full sync.
     *
     * @return one sentence per change, empty when none
     */
    List<String> storageChanges(TableIdentity before, TableName table) {
        List<String> out = new ArrayList<>();
        Map<Long, Relation> now = byOid();
        for (Relation was : before.relations()) {
            Relation is = now.get(was.oid());
            String what = was.oid() == table().oid() ? table.toString() : "partition " + was.name() + " of " + table;
            if (is == null) {
                out.add(what + " was detached or dropped since the last sync");
            } else if (is.filenode() != was.filenode()) {
                out.add(what + " was truncated or rewritten in PostgreSQL since the last sync (TRUNCATE, or"
                        + " VACUUM FULL, CLUSTER or an ALTER TABLE that rewrites it; relfilenode "
                        + was.filenode() + ", now " + is.filenode() + ")");
            }
        }
        return out;
    }

    /** The partitions holding rows that {@code before} did not know (attached or created since). */
    List<Relation> newPartitions(TableIdentity before) {
        Map<Long, Relation> known = before.byOid();
        return relations.stream()
                .filter(r -> r.leaf() && r.oid() != table().oid() && !known.containsKey(r.oid()))
                .toList();
    }

    private Map<Long, Relation> byOid() {
        Map<Long, Relation> out = new LinkedHashMap<>();
        relations.forEach(r -> out.put(r.oid(), r));
        return out;
    }
}
