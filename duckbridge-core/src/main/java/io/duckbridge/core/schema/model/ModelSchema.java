package io.duckbridge.core.schema.model;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.ColumnMapping;
import io.duckbridge.core.schema.PgType;
import io.duckbridge.core.schema.SourceColumn;
import io.duckbridge.core.schema.SourceTable;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TypeMapping;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A table described by a Java class — a record, or a {@code jakarta.persistence} entity — read the way
 * PostgreSQL would declare it, so the sync's {@link TypeMapping} gives its DuckDB types, its DDL, and a
 * comparison with the real PostgreSQL table. Immutable and thread-safe.
 *
 * <p>Names: {@code @Table(name, schema)} (or {@code @Entity(name)}) and {@code @Column(name)} when given,
 * else the class and field names in snake_case (the naming Spring Boot's Hibernate default uses) in
 * schema {@code public}. Keys: fields annotated {@code @Id}; for a record without any, a component named
 * {@code id}. Nullability: primitives, keys, {@code @Column(nullable = false)} and any annotation named
 * {@code NotNull}/{@code NonNull} mean NOT NULL. Java types map as {@code docs/type-mapping.md} lists.
 *
 * @param type the described class
 * @param name the table it describes
 * @param columns its columns in declaration order
 * @param primaryKey the key columns, empty when it has none
 */
public record ModelSchema(Class<?> type, TableName name, List<ModelColumn> columns, List<String> primaryKey) {
    private static final boolean JPA = present("jakarta.persistence.Entity");

    public ModelSchema {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
    }

    /**
     * Reads {@code type}.
     *
     * @throws DuckbridgeException INVALID_REQUEST naming the field when a field's Java type has no
     *     PostgreSQL equivalent, with the fix
     */
    public static ModelSchema of(Class<?> type) {
        Objects.requireNonNull(type, "type");
        TableName name = tableName(type);
        List<ModelColumn> columns = new ArrayList<>();
        List<String> key = new ArrayList<>();
        for (Member m : members(type)) {
            ModelColumn column = column(type, m);
            if (column == null) {
                continue;
            }
            columns.add(column);
            if (m.isId()) {
                key.add(column.name());
            }
        }
        if (columns.isEmpty()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "model " + type.getName() + " declares no columns; use a record or an entity with fields");
        }
        if (key.isEmpty() && type.isRecord()) {
            columns.stream().filter(c -> c.name().equals("id")).findFirst().ifPresent(c -> key.add(c.name()));
        }
        if (!key.isEmpty()) {
            List<ModelColumn> keyed = new ArrayList<>();
            for (ModelColumn c : columns) {
                keyed.add(key.contains(c.name()) ? new ModelColumn(c.name(), c.javaType(), c.pgType(), false) : c);
            }
            columns = keyed;
        }
        return new ModelSchema(type, name, columns, key);
    }

    /** The model as a PostgreSQL table description, ready for {@link TypeMapping#map(SourceTable)}. */
    public SourceTable asSourceTable() {
        List<SourceColumn> out = new ArrayList<>();
        for (ModelColumn c : columns) {
            out.add(new SourceColumn(c.name(), c.pgType().formatted(), c.pgType(), c.nullable()));
        }
        return new SourceTable(name, out, primaryKey, false, 0, 0);
    }

    /** The DuckDB types of the columns under {@code mapping}, by column name, in column order. */
    public Map<String, String> duckDbTypes(TypeMapping mapping) {
        Map<String, String> out = new LinkedHashMap<>();
        for (ColumnMapping m : mapping.map(asSourceTable())) {
            out.put(m.name(), m.duckDbType());
        }
        return out;
    }

    /**
     * The DuckDB DDL for the table, two statements separated by {@code ;}: {@code CREATE SCHEMA IF NOT EXISTS}
     * and {@code CREATE TABLE IF NOT EXISTS} with names quoted, NOT NULL and the primary key.
     */
    public String ddl(TypeMapping mapping) {
        StringBuilder sql = new StringBuilder("CREATE SCHEMA IF NOT EXISTS ")
                .append(TableName.quote(name.schema()))
                .append(";\nCREATE TABLE IF NOT EXISTS ")
                .append(name.quoted())
                .append(" (");
        Map<String, String> types = duckDbTypes(mapping);
        int i = 0;
        for (ModelColumn c : columns) {
            sql.append(i++ == 0 ? "\n  " : ",\n  ")
                    .append(TableName.quote(c.name()))
                    .append(' ')
                    .append(types.get(c.name()));
            if (!c.nullable()) {
                sql.append(" NOT NULL");
            }
        }
        if (!primaryKey.isEmpty()) {
            sql.append(",\n  PRIMARY KEY (");
            sql.append(
                    String.join(", ", primaryKey.stream().map(TableName::quote).toList()));
            sql.append(')');
        }
        return sql.append("\n)").toString();
    }

    /**
     * How this model differs from {@code postgres} (null when PostgreSQL has no such table), both seen through
     * {@code mapping}: columns only one side has, different DuckDB types, nullability and primary key.
     */
    public List<SchemaMismatch> compare(SourceTable postgres, TypeMapping mapping) {
        List<SchemaMismatch> out = new ArrayList<>();
        if (postgres == null) {
            out.add(new SchemaMismatch(
                    null,
                    SchemaMismatch.Kind.TABLE_MISSING,
                    name.toString(),
                    null,
                    "create " + name + " in PostgreSQL, or point the model at the right table with @Table"));
            return out;
        }
        Map<String, String> modelTypes = duckDbTypes(mapping);
        Map<String, ColumnMapping> pg = new LinkedHashMap<>();
        for (ColumnMapping m : mapping.map(postgres)) {
            pg.put(m.name(), m);
        }
        for (ModelColumn c : columns) {
            ColumnMapping p = pg.get(c.name());
            if (p == null) {
                out.add(new SchemaMismatch(
                        c.name(),
                        SchemaMismatch.Kind.MISSING_IN_POSTGRES,
                        modelTypes.get(c.name()),
                        null,
                        "add the column to " + postgres.name() + ", or mark the field @Transient"));
                continue;
            }
            String modelType = modelTypes.get(c.name());
            if (!modelType.equals(p.duckDbType())) {
                out.add(new SchemaMismatch(
                        c.name(),
                        SchemaMismatch.Kind.TYPE,
                        modelType + " (from " + c.pgType().formatted() + ")",
                        p.duckDbType() + " (from " + p.pgType() + ")",
                        "make the field's type (or @Column precision/scale) match " + p.pgType()));
            }
            if (c.nullable() != p.nullable()) {
                out.add(new SchemaMismatch(
                        c.name(),
                        SchemaMismatch.Kind.NULLABILITY,
                        c.nullable() ? "NULL" : "NOT NULL",
                        p.nullable() ? "NULL" : "NOT NULL",
                        p.nullable()
                                ? "allow NULL in the model (boxed type, nullable column) or add NOT NULL in PostgreSQL"
                                : "mark the field NOT NULL (@Column(nullable = false) or a primitive type)"));
            }
        }
        for (String column : pg.keySet()) {
            if (columns.stream().noneMatch(c -> c.name().equals(column))) {
                out.add(new SchemaMismatch(
                        column,
                        SchemaMismatch.Kind.MISSING_IN_MODEL,
                        null,
                        pg.get(column).duckDbType() + " (from " + pg.get(column).pgType() + ")",
                        "add a field for it to " + type.getSimpleName() + ", or ignore it if the model is partial"));
            }
        }
        if (!primaryKey.equals(postgres.primaryKey())) {
            out.add(new SchemaMismatch(
                    null,
                    SchemaMismatch.Kind.PRIMARY_KEY,
                    primaryKey.toString(),
                    postgres.primaryKey().toString(),
                    "annotate exactly the key columns with @Id"));
        }
        return out;
    }

    // ---- reading the class ----------------------------------------------------------------------

    /** A field or record component. */
    private record Member(String name, Type type, AnnotatedElement annotations, boolean isId) {}

    private static List<Member> members(Class<?> type) {
        List<Member> out = new ArrayList<>();
        if (type.isRecord()) {
            for (RecordComponent rc : type.getRecordComponents()) {
                Field backing;
                try {
                    backing = type.getDeclaredField(rc.getName());
                } catch (NoSuchFieldException e) {
                    throw new IllegalStateException(e);
                }
                out.add(new Member(rc.getName(), rc.getGenericType(), backing, isId(backing)));
            }
            return out;
        }
        List<Class<?>> chain = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            chain.addFirst(c);
        }
        for (Class<?> c : chain) {
            for (Field f : c.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (Modifier.isStatic(mod) || Modifier.isTransient(mod) || f.isSynthetic()) {
                    continue;
                }
                out.add(new Member(f.getName(), f.getGenericType(), f, isId(f)));
            }
        }
        return out;
    }

    private static boolean isId(AnnotatedElement e) {
        return JPA && Jpa.isId(e);
    }

    /** The column for {@code m}, or null when it is not one (transient, or a collection relationship). */
    private static ModelColumn column(Class<?> owner, Member m) {
        if (JPA && Jpa.skipped(m.annotations())) {
            return null;
        }
        if (JPA && Jpa.isToOne(m.annotations())) {
            Class<?> target = (Class<?>) m.type();
            ModelSchema referenced = of(target);
            if (referenced.primaryKey().size() != 1) {
                throw unsupported(owner, m, "the referenced entity " + target.getSimpleName() + " has no single @Id");
            }
            ModelColumn id = referenced.columns().stream()
                    .filter(c -> c.name().equals(referenced.primaryKey().getFirst()))
                    .findFirst()
                    .orElseThrow();
            String name = Jpa.joinColumnName(m.annotations());
            return new ModelColumn(
                    name != null ? physical(name) : snake(m.name()) + "_" + id.name(),
                    id.javaType(),
                    id.pgType(),
                    !Jpa.notNull(m.annotations()) && !hasNotNull(m.annotations()));
        }
        String given = JPA ? Jpa.columnName(m.annotations()) : null;
        String name = given == null ? null : physical(given);
        PgType pg = pgType(owner, m, m.type(), 0);
        boolean primitive = m.type() instanceof Class<?> c && c.isPrimitive();
        boolean nullable =
                !primitive && !m.isId() && !hasNotNull(m.annotations()) && !(JPA && Jpa.notNull(m.annotations()));
        return new ModelColumn(name != null ? name : snake(m.name()), m.type(), pg, nullable);
    }

    private static final Map<Class<?>, PgType> SCALARS = scalars();

    private static Map<Class<?>, PgType> scalars() {
        Map<Class<?>, PgType> m = new HashMap<>();
        put(m, "bool", "boolean", boolean.class, Boolean.class);
        put(m, "int2", "smallint", short.class, Short.class, byte.class, Byte.class);
        put(m, "int4", "integer", int.class, Integer.class);
        put(m, "int8", "bigint", long.class, Long.class);
        put(m, "float4", "real", float.class, Float.class);
        put(m, "float8", "double precision", double.class, Double.class);
        put(m, "bytea", "bytea", byte[].class);
        put(m, "uuid", "uuid", UUID.class);
        put(m, "date", "date", LocalDate.class);
        put(m, "timestamp", "timestamp without time zone", LocalDateTime.class);
        put(m, "timestamptz", "timestamp with time zone", Instant.class, OffsetDateTime.class, ZonedDateTime.class);
        put(m, "time", "time without time zone", LocalTime.class);
        put(m, "timetz", "time with time zone", OffsetTime.class);
        put(m, "interval", "interval", Duration.class);
        put(m, "text", "text", String.class, StringBuilder.class);
        m.put(char.class, new PgType.Scalar("bpchar", 5, "character(1)"));
        m.put(Character.class, new PgType.Scalar("bpchar", 5, "character(1)"));
        m.put(BigInteger.class, numeric(38, 0));
        return Map.copyOf(m);
    }

    private static void put(Map<Class<?>, PgType> m, String typname, String formatted, Class<?>... types) {
        for (Class<?> t : types) {
            m.put(t, new PgType.Scalar(typname, -1, formatted));
        }
    }

    private static PgType numeric(int precision, int scale) {
        return new PgType.Scalar(
                "numeric", ((precision << 16) | (scale & 0x7ff)) + 4, "numeric(" + precision + "," + scale + ")");
    }

    private static PgType pgType(Class<?> owner, Member m, Type type, int depth) {
        if (type instanceof Class<?> c) {
            if (c == BigDecimal.class) {
                int[] ps = JPA && depth == 0 ? Jpa.precisionScale(m.annotations()) : null;
                return ps != null && ps[0] > 0 ? numeric(ps[0], ps[1]) : new PgType.Scalar("numeric", -1, "numeric");
            }
            if (c == String.class && depth == 0 && JPA) {
                Integer length = Jpa.length(m.annotations());
                if (length != null) {
                    return new PgType.Scalar("varchar", length + 4, "character varying(" + length + ")");
                }
            }
            PgType scalar = SCALARS.get(c);
            if (scalar != null) {
                return scalar;
            }
            if (c.isEnum()) {
                return enumType(owner, m, c, depth);
            }
            if (c.isArray()) {
                return array(pgType(owner, m, c.getComponentType(), depth + 1));
            }
            if (c.isRecord()) {
                List<PgType.Field> fields = new ArrayList<>();
                for (RecordComponent rc : c.getRecordComponents()) {
                    fields.add(new PgType.Field(snake(rc.getName()), pgType(owner, m, rc.getGenericType(), depth + 1)));
                }
                return new PgType.Composite(snake(c.getSimpleName()), fields, snake(c.getSimpleName()));
            }
            if (Map.class.isAssignableFrom(c) || c.getName().endsWith(".JsonNode")) {
                return new PgType.Scalar("jsonb", -1, "jsonb");
            }
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            if (Collection.class.isAssignableFrom(raw)) {
                return array(pgType(owner, m, p.getActualTypeArguments()[0], depth + 1));
            }
            if (Map.class.isAssignableFrom(raw)) {
                return new PgType.Scalar("jsonb", -1, "jsonb");
            }
        }
        if (type instanceof GenericArrayType g) {
            return array(pgType(owner, m, g.getGenericComponentType(), depth + 1));
        }
        throw unsupported(owner, m, "its type " + type.getTypeName() + " has no PostgreSQL equivalent");
    }

    private static PgType enumType(Class<?> owner, Member m, Class<?> e, int depth) {
        if (JPA && depth == 0 && Jpa.isEntityOrAnnotated(owner, m.annotations())) {
            // JPA stores enums by ordinal unless @Enumerated(STRING) says otherwise
            return Jpa.enumeratedAsString(m.annotations())
                    ? new PgType.Scalar("varchar", -1, "character varying")
                    : new PgType.Scalar("int2", -1, "smallint");
        }
        List<String> labels = Arrays.stream(e.getEnumConstants())
                .map(c -> ((Enum<?>) c).name())
                .toList();
        return new PgType.Enum(snake(e.getSimpleName()), labels, snake(e.getSimpleName()));
    }

    private static PgType array(PgType element) {
        if (element instanceof PgType.Array inner) {
            return new PgType.Array(inner.element(), inner.dimensions() + 1, inner.formatted() + "[]");
        }
        return new PgType.Array(element, 1, element.formatted() + "[]");
    }

    private static boolean hasNotNull(AnnotatedElement e) {
        return Arrays.stream(e.getAnnotations())
                .map(a -> a.annotationType().getSimpleName())
                .anyMatch(n -> n.equals("NotNull") || n.equals("NonNull") || n.equals("Nonnull"));
    }

    private static TableName tableName(Class<?> type) {
        TableName jpa = JPA ? Jpa.tableName(type) : null;
        return jpa != null ? jpa : new TableName("public", snake(type.getSimpleName()));
    }

    /**
     * A name given in an annotation as PostgreSQL stores it: a quoted name ({@code "Order Lines"} or with
     * backticks) as written, any other folded like the Java names (snake_case, lower case).
     */
    static String physical(String given) {
        if (given.length() > 1
                && ((given.startsWith("\"") && given.endsWith("\""))
                        || (given.startsWith("`") && given.endsWith("`")))) {
            return given.substring(1, given.length() - 1);
        }
        return snake(given);
    }

    /** {@code orderLine} → {@code order_line}, {@code HTTPStatus} → {@code http_status}. */
    static String snake(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                .replaceAll("([A-Z]+)([A-Z][a-z])", "$1_$2")
                .toLowerCase(Locale.ROOT);
    }

    private static DuckbridgeException unsupported(Class<?> owner, Member m, String why) {
        return new DuckbridgeException(
                ErrorClass.INVALID_REQUEST,
                "model " + owner.getName() + ", field " + m.name() + ": " + why
                        + "; use a supported type (see docs/type-mapping.md) or mark the field @Transient");
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, ModelSchema.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
