package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads table definitions from PostgreSQL's catalog: ordinary tables and partitioned parents (never
 * their partitions), columns with {@code format_type} and typmods, arrays with their declared dimensions,
 * enum labels in sort order, domains resolved to their base type, composite fields, primary keys and
 * {@code pg_class.reltuples}. Stateless; each call uses only the connection it is given (which the caller
 * owns), so it may run inside a snapshot transaction.
 */
public final class CatalogReader {
    private static final String TABLES = """
            SELECT n.nspname, c.relname, c.oid, c.relkind = 'p' AS partitioned,
                   CASE WHEN c.relkind = 'p' THEN
                          (SELECT coalesce(sum(greatest(p.reltuples, 0)), 0)::bigint
                             FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid
                            WHERE t.isleaf)
                        ELSE greatest(c.reltuples, 0)::bigint END AS estimated_rows,
                   CASE WHEN c.relkind = 'p' THEN 0 ELSE c.relpages END AS pages
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
               AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
               AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
             ORDER BY n.nspname, c.relname
            """;
    private static final String COLUMNS = """
            SELECT a.attname, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attndims
              FROM pg_attribute a
             WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum
            """;
    private static final String PRIMARY_KEY = """
            SELECT a.attname
              FROM pg_index i
              JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = ? AND i.indisprimary
             ORDER BY k.ord
            """;
    private static final String TYPE = """
            SELECT t.typname, t.typtype, t.typcategory, t.typelem, t.typlen, t.typbasetype, t.typtypmod,
                   t.typrelid, t.typndims
              FROM pg_type t WHERE t.oid = ?
            """;

    /** Every selected user table, sorted by name. */
    public List<SourceTable> read(Connection connection, TableSelector selector) {
        try {
            List<SourceTable> tables = new ArrayList<>();
            var types = new TypeResolver(connection);
            try (PreparedStatement ps = connection.prepareStatement(TABLES);
                    ResultSet rs = ps.executeQuery()) {
                List<Object[]> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(new Object[] {
                        new TableName(rs.getString(1), rs.getString(2)),
                        rs.getLong(3),
                        rs.getBoolean(4),
                        rs.getLong(5),
                        rs.getLong(6)
                    });
                }
                for (Object[] row : rows) {
                    TableName name = (TableName) row[0];
                    if (selector.selects(name)) {
                        tables.add(
                                describe(connection, types, name, (Long) row[1], (Boolean) row[2], (Long) row[3], (Long)
                                        row[4]));
                    }
                }
            }
            return tables;
        } catch (SQLException e) {
            throw PgErrors.wrap("reading the PostgreSQL catalog", e);
        }
    }

    /**
     * The names of every selected user table, sorted, without reading their columns (cheaper than
     * {@link #read(Connection, TableSelector)} when only the names matter).
     */
    public List<TableName> names(Connection connection, TableSelector selector) {
        try (PreparedStatement ps = connection.prepareStatement(TABLES);
                ResultSet rs = ps.executeQuery()) {
            List<TableName> out = new ArrayList<>();
            while (rs.next()) {
                TableName name = new TableName(rs.getString(1), rs.getString(2));
                if (selector.selects(name)) {
                    out.add(name);
                }
            }
            return out;
        } catch (SQLException e) {
            throw PgErrors.wrap("reading the PostgreSQL catalog", e);
        }
    }

    /** One table by name (selection globs are not applied). */
    public Optional<SourceTable> read(Connection connection, TableName table) {
        return read(connection, new TableSelector(List.of(globQuote(table)), List.of())).stream()
                .filter(t -> t.name().equals(table))
                .findFirst();
    }

    /**
     * Resolves one type as {@link #read} does for a column (domains to their base type, arrays, enums with
     * their labels, composites with their fields), e.g. for a column announced by a logical replication
     * Relation message.
     *
     * @param typmod the column's type modifier, -1 for none
     * @param dimensions the column's declared array dimensions ({@code attndims}), 0 when not declared
     */
    public PgType type(Connection connection, long oid, int typmod, int dimensions) {
        try {
            return new TypeResolver(connection).resolve(oid, typmod, dimensions);
        } catch (SQLException e) {
            throw PgErrors.wrap("reading PostgreSQL type " + oid + " from the catalog", e);
        }
    }

    private static String globQuote(TableName table) {
        // '*' and '?' are glob characters: match them with '?' and filter exactly afterwards
        return (table.schema() + "." + table.name()).replace('*', '?');
    }

    private SourceTable describe(
            Connection connection,
            TypeResolver types,
            TableName name,
            long oid,
            boolean partitioned,
            long estimatedRows,
            long pages)
            throws SQLException {
        List<SourceColumn> columns = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(COLUMNS)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = rs.getString(1);
                    long typeOid = rs.getLong(2);
                    int typmod = rs.getInt(3);
                    String formatted = rs.getString(4);
                    boolean notNull = rs.getBoolean(5);
                    int dims = rs.getInt(6);
                    columns.add(new SourceColumn(column, formatted, types.resolve(typeOid, typmod, dims), !notNull));
                }
            }
        }
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(PRIMARY_KEY)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    key.add(rs.getString(1));
                }
            }
        }
        return new SourceTable(name, columns, key, partitioned, estimatedRows, pages);
    }

    /** Resolves type oids recursively, caching per call of {@link #read}. */
    private static final class TypeResolver {
        private final Connection connection;
        private final Map<String, PgType> cache = new HashMap<>();

        TypeResolver(Connection connection) {
            this.connection = connection;
        }

        PgType resolve(long oid, int typmod, int declaredDims) throws SQLException {
            String key = oid + ":" + typmod + ":" + declaredDims;
            PgType cached = cache.get(key);
            if (cached != null) {
                return cached;
            }
            PgType type = load(oid, typmod, declaredDims);
            cache.put(key, type);
            return type;
        }

        private PgType load(long oid, int typmod, int declaredDims) throws SQLException {
            String formatted = formatType(oid, typmod);
            String name;
            String typtype;
            String category;
            long elem;
            int len;
            long base;
            int baseTypmod;
            long relid;
            int typndims;
            try (PreparedStatement ps = connection.prepareStatement(TYPE)) {
                ps.setLong(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return new PgType.Scalar("unknown", typmod, formatted);
                    }
                    name = rs.getString(1);
                    typtype = rs.getString(2);
                    category = rs.getString(3);
                    elem = rs.getLong(4);
                    len = rs.getInt(5);
                    base = rs.getLong(6);
                    baseTypmod = rs.getInt(7);
                    relid = rs.getLong(8);
                    typndims = rs.getInt(9);
                }
            }
            switch (typtype) {
                case "d" -> {
                    // a domain maps to its base type; an array domain keeps its declared dimensions
                    return resolve(base, baseTypmod >= 0 ? baseTypmod : typmod, Math.max(declaredDims, typndims));
                }
                case "e" -> {
                    return new PgType.Enum(name, enumLabels(oid), formatted);
                }
                case "c" -> {
                    return new PgType.Composite(name, fields(relid), formatted);
                }
                default -> {
                    if ("A".equals(category) && elem != 0 && len == -1 && !name.endsWith("vector")) {
                        PgType element = resolve(elem, typmod, 0);
                        return new PgType.Array(element, declaredDims, formatted);
                    }
                    return new PgType.Scalar(name, typmod, formatted);
                }
            }
        }

        private String formatType(long oid, int typmod) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement("SELECT format_type(?::oid, ?)")) {
                ps.setLong(1, oid);
                if (typmod < 0) {
                    ps.setNull(2, java.sql.Types.INTEGER);
                } else {
                    ps.setInt(2, typmod);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        }

        private List<String> enumLabels(long oid) throws SQLException {
            List<String> labels = new ArrayList<>();
            try (PreparedStatement ps = connection.prepareStatement(
                    "SELECT enumlabel FROM pg_enum WHERE enumtypid = ? ORDER BY enumsortorder")) {
                ps.setLong(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        labels.add(rs.getString(1));
                    }
                }
            }
            return labels;
        }

        private List<PgType.Field> fields(long relid) throws SQLException {
            List<Object[]> raw = new ArrayList<>();
            try (PreparedStatement ps = connection.prepareStatement(COLUMNS)) {
                ps.setLong(1, relid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        raw.add(new Object[] {rs.getString(1), rs.getLong(2), rs.getInt(3), rs.getInt(6)});
                    }
                }
            }
            List<PgType.Field> fields = new ArrayList<>();
            for (Object[] f : raw) {
                fields.add(new PgType.Field((String) f[0], resolve((Long) f[1], (Integer) f[2], (Integer) f[3])));
            }
            return fields;
        }
    }

    /** Thrown for a table name that does not exist in PostgreSQL. */
    static DuckbridgeException notFound(TableName table) {
        return new DuckbridgeException(
                ErrorClass.NOT_FOUND,
                "PostgreSQL has no table " + table + " (or it is not selected by duckbridge.sync.include/exclude)");
    }
}
