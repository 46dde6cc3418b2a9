package io.duckbridge.core.schema;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL → DuckDB type mapping: one table ({@link #SCALARS}) plus the rules for numeric,
 * arrays, enums, domains and composites. Lossless by default; numeric columns without a typmod or with a
 * precision above 38 become {@code DECIMAL(38,9)} unless a per-column override says {@code DOUBLE},
 * {@code VARCHAR} or {@code DECIMAL(p,s)}. Documented in {@code docs/type-mapping.md}.
 *
 * <p>Immutable and thread-safe; {@link #map} makes a new {@link ColumnMapping} (with fresh lossy counters)
 * on every call.
 *
 * @param numericOverrides per-column types keyed by {@code schema.table.column}
 */
public record TypeMapping(Map<String, String> numericOverrides) {
    /** The default numeric type when PostgreSQL gives no usable precision. */
    public static final String DEFAULT_NUMERIC = "DECIMAL(38,9)";

    private static final Pattern DECIMAL = Pattern.compile("DECIMAL\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)");

    /**
     * The mapping table for base types by {@code typname}. Types not listed (inet, cidr, macaddr, xml,
     * tsvector, ranges, geometric and extension types) become VARCHAR holding PostgreSQL's text output.
     */
    static final Map<String, Supplier<ValueCodec>> SCALARS = scalars();

    private static Map<String, Supplier<ValueCodec>> scalars() {
        Map<String, Supplier<ValueCodec>> m = new LinkedHashMap<>();
        // smallint, integer, bigint (and serials) -> SMALLINT, INTEGER, BIGINT
        m.put("int2", ValueCodec.Int16::new);
        m.put("int4", ValueCodec.Int32::new);
        m.put("int8", ValueCodec.Int64::new);
        // real, double precision -> FLOAT, DOUBLE (NaN and +-Infinity kept)
        m.put("float4", ValueCodec.Float32::new);
        m.put("float8", ValueCodec.Float64::new);
        // numeric: see numeric() below; money -> DECIMAL(19,2)
        m.put("money", () -> new ValueCodec.Decimal(19, 2, true, "no override: money always fits DECIMAL(19,2)"));
        // text, varchar(n), char(n), name, citext, "char" -> VARCHAR (char(n) keeps its padding)
        for (String s : List.of("text", "varchar", "bpchar", "name", "citext", "char")) {
            m.put(s, () -> new ValueCodec.Text("VARCHAR", "VARCHAR", "VARCHAR"));
        }
        m.put("bytea", ValueCodec.Bytea::new);
        m.put("bool", ValueCodec.Bool::new);
        // date, timestamp, timestamptz, time, timetz, interval (+-infinity kept)
        m.put("date", ValueCodec.Date::new);
        m.put("timestamp", () -> new ValueCodec.Timestamp(false));
        m.put("timestamptz", () -> new ValueCodec.Timestamp(true));
        m.put("time", () -> new ValueCodec.Time(false));
        m.put("timetz", () -> new ValueCodec.Time(true));
        m.put("interval", ValueCodec.Interval::new);
        m.put("uuid", ValueCodec.Uuid::new);
        // json, jsonb -> JSON
        m.put("json", () -> new ValueCodec.Text("JSON", "JSON", "VARCHAR"));
        m.put("jsonb", () -> new ValueCodec.Text("JSON", "JSON", "VARCHAR"));
        // bit, varbit -> BIT (the appender cannot write BIT: staged as text and cast)
        m.put("bit", ValueCodec.BitString::new);
        m.put("varbit", ValueCodec.BitString::new);
        return Map.copyOf(m);
    }

    public TypeMapping {
        numericOverrides = numericOverrides == null ? Map.of() : Map.copyOf(numericOverrides);
        for (Map.Entry<String, String> e : numericOverrides.entrySet()) {
            String type = e.getValue() == null ? "" : e.getValue().trim().toUpperCase(Locale.ROOT);
            if (!type.equals("DOUBLE") && !type.equals("VARCHAR") && !validDecimal(type)) {
                throw new DuckbridgeException(
                        ErrorClass.INVALID_REQUEST,
                        "numeric override \"" + e.getValue() + "\" for " + e.getKey()
                                + " is not allowed; use DOUBLE, VARCHAR or DECIMAL(p,s) with 1 <= p <= 38 and s <= p");
            }
        }
    }

    /** The default mapping, without overrides. */
    public static TypeMapping defaults() {
        return new TypeMapping(Map.of());
    }

    private static boolean validDecimal(String type) {
        Matcher m = DECIMAL.matcher(type);
        if (!m.matches()) {
            return false;
        }
        int p = Integer.parseInt(m.group(1));
        int s = Integer.parseInt(m.group(2));
        return p >= 1 && p <= 38 && s <= p;
    }

    /** The mappings of every column of {@code table}, in column order. */
    public List<ColumnMapping> map(SourceTable table) {
        List<ColumnMapping> out = new ArrayList<>(table.columns().size());
        for (SourceColumn column : table.columns()) {
            out.add(map(table.name(), column));
        }
        return out;
    }

    /** The mapping of one column. */
    public ColumnMapping map(TableName table, SourceColumn column) {
        String key = table + "." + column.name();
        ValueCodec codec = codec(column.type(), key);
        String sourceExpression =
                column.type() instanceof PgType.Scalar s && s.name().equals("money")
                        ? TableName.quote(column.name()) + "::numeric"
                        : TableName.quote(column.name());
        return new ColumnMapping(
                column.name(),
                column.pgType(),
                column.nullable(),
                codec,
                sourceExpression,
                new LossyValues(overrideHint(column.type(), key)),
                BinaryWire.of(column.type()));
    }

    private ValueCodec codec(PgType type, String key) {
        if (type instanceof PgType.Scalar s) {
            if (s.name().equals("numeric")) {
                return numeric(s, key);
            }
            Supplier<ValueCodec> codec = SCALARS.get(s.name());
            return codec != null ? codec.get() : new ValueCodec.Text("VARCHAR", "VARCHAR", "VARCHAR");
        }
        if (type instanceof PgType.Array a) {
            return new ValueCodec.ArrayOf(codec(a.element(), key), a.dimensions());
        }
        if (type instanceof PgType.Enum e) {
            return new ValueCodec.Enumerated(e.labels());
        }
        PgType.Composite c = (PgType.Composite) type;
        List<String> names = new ArrayList<>();
        List<ValueCodec> fields = new ArrayList<>();
        for (PgType.Field f : c.fields()) {
            names.add(f.name());
            fields.add(codec(f.type(), key));
        }
        return new ValueCodec.Struct(names, fields);
    }

    private ValueCodec numeric(PgType.Scalar s, String key) {
        String override = numericOverrides.get(key);
        String hint = "duckbridge.sync.numeric-overrides.\"" + key + "\"=VARCHAR (or DOUBLE, or a wider DECIMAL(p,s))";
        if (override != null) {
            String type = override.trim().toUpperCase(Locale.ROOT);
            if (type.equals("DOUBLE")) {
                return new ValueCodec.Float64();
            }
            if (type.equals("VARCHAR")) {
                return new ValueCodec.Text("VARCHAR", "VARCHAR", "VARCHAR");
            }
            Matcher m = DECIMAL.matcher(type);
            m.matches();
            return new ValueCodec.Decimal(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), false, hint);
        }
        int p = s.numericPrecision();
        int scale = s.numericScale();
        if (p > 0) {
            // PostgreSQL 15 allows a negative scale (rounds to tens) and a scale above the precision
            int width = scale < 0 ? p - scale : Math.max(p, scale);
            int effectiveScale = Math.max(0, scale);
            if (width <= 38) {
                return new ValueCodec.Decimal(width, effectiveScale, false, hint);
            }
        }
        return new ValueCodec.Decimal(38, 9, false, hint);
    }

    private String overrideHint(PgType type, String key) {
        if (type instanceof PgType.Array a
                && a.element() instanceof PgType.Scalar e
                && e.name().equals("numeric")) {
            // NaN or digits beyond the scale in an element: the column's numeric override types its elements too
            return overrideHint(e, key);
        }
        if (type instanceof PgType.Scalar s && s.name().equals("numeric")) {
            return "duckbridge.sync.numeric-overrides.\"" + key + "\"=VARCHAR";
        }
        if (type instanceof PgType.Scalar s && s.name().equals("interval")) {
            return "none: DuckDB has no infinite interval";
        }
        if (type instanceof PgType.Scalar s && s.name().equals("varbit")) {
            return "none: DuckDB's BIT has no empty bit string";
        }
        if (type instanceof PgType.Array) {
            return "none: an element DuckDB's list cannot hold (an infinite date, timestamp or interval, an empty bit"
                    + " string) is stored as NULL; exclude the column's table or use a scalar column";
        }
        if (!(type instanceof PgType.Composite)) {
            return "none";
        }
        return "none: a field DuckDB's STRUCT cannot hold (an infinite date, timestamp or interval, an empty bit"
                + " string, a numeric NaN or beyond the field's scale) is stored as NULL; exclude the column's table to"
                + " keep it out";
    }
}
