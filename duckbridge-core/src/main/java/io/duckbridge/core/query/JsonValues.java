package io.duckbridge.core.query;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.sql.Array;
import java.sql.Blob;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.duckdb.DuckDBStruct;
import tools.jackson.core.JsonGenerator;

/**
 * Writes a value read from DuckDB's JDBC driver as JSON, following the HTTP contract: integers beyond
 * ±2^53, DECIMAL, HUGEINT and UUID as strings; dates and timestamps ISO-8601; BLOB base64; LIST/ARRAY as
 * arrays, STRUCT/MAP as objects; NaN and ±Infinity as strings. The driver reads UBIGINT, HUGEINT and
 * UHUGEINT alike as {@link BigInteger}, so the caller says whether the column holds HUGEINT/UHUGEINT values
 * ({@code huge}: then every integer of it is a string, small ones too). Stateless.
 */
final class JsonValues {
    private static final long MAX_SAFE = 9_007_199_254_740_992L; // 2^53

    private JsonValues() {}

    static void write(JsonGenerator g, Object value, boolean huge) throws SQLException {
        switch (value) {
            case null -> g.writeNull();
            case Boolean b -> g.writeBoolean(b);
            case Byte b -> g.writeNumber(b);
            case Short s -> g.writeNumber(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> {
                if (l > MAX_SAFE || l < -MAX_SAFE) {
                    g.writeString(Long.toString(l));
                } else {
                    g.writeNumber(l);
                }
            }
            case BigInteger b -> {
                // a number up to ±2^53 as for BIGINT (2^53 itself has 54 bits)
                if (!huge && b.abs().compareTo(BigInteger.valueOf(MAX_SAFE)) <= 0) {
                    g.writeNumber(b.longValue());
                } else {
                    g.writeString(b.toString());
                }
            }
            case BigDecimal d -> g.writeString(d.toPlainString());
            case Float f -> {
                if (f.isNaN() || f.isInfinite()) {
                    g.writeString(f.toString());
                } else {
                    g.writeNumber(f);
                }
            }
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) {
                    g.writeString(d.toString());
                } else {
                    g.writeNumber(d);
                }
            }
            case String s -> g.writeString(s);
            case UUID u -> g.writeString(u.toString());
            case LocalDate d -> g.writeString(d.toString());
            // ISO formatters always print the seconds (toString() drops ":00"), as DuckDB's casts need them
            case LocalTime t -> g.writeString(DateTimeFormatter.ISO_LOCAL_TIME.format(t));
            case OffsetTime t -> g.writeString(DateTimeFormatter.ISO_OFFSET_TIME.format(t));
            case Timestamp t -> g.writeString(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t.toLocalDateTime()));
            case LocalDateTime t -> g.writeString(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t));
            case OffsetDateTime t -> g.writeString(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t));
            case java.util.Date d -> g.writeString(d.toInstant().toString());
            case byte[] bytes -> g.writeString(Base64.getEncoder().encodeToString(bytes));
            case Blob blob -> g.writeString(Base64.getEncoder().encodeToString(blobBytes(blob)));
            case ByteBuffer buffer -> g.writeString(Base64.getEncoder().encodeToString(bytes(buffer)));
            case Array array -> writeArray(g, (Object[]) array.getArray(), huge);
            case Object[] array -> writeArray(g, array, huge);
            case DuckDBStruct struct -> writeMap(g, struct.getMap(), huge);
            case Map<?, ?> map -> writeMap(g, map, huge);
            default -> {
                if (value instanceof org.duckdb.JsonNode json) {
                    g.writeString(json.toString());
                } else {
                    g.writeString(value.toString());
                }
            }
        }
    }

    private static void writeArray(JsonGenerator g, Object[] values, boolean huge) throws SQLException {
        g.writeStartArray();
        for (Object v : values) {
            write(g, v, huge);
        }
        g.writeEndArray();
    }

    private static void writeMap(JsonGenerator g, Map<?, ?> map, boolean huge) throws SQLException {
        g.writeStartObject();
        for (var e : map.entrySet()) {
            g.writeName(String.valueOf(e.getKey()));
            write(g, e.getValue(), huge);
        }
        g.writeEndObject();
    }

    static byte[] blobBytes(Blob blob) throws SQLException {
        long length = blob.length();
        return length == 0 ? new byte[0] : blob.getBytes(1, (int) length);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
