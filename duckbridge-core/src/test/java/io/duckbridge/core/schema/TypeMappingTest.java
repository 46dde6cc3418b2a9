package io.duckbridge.core.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TypeMappingTest {
    static final TableName T = new TableName("public", "t");

    static ColumnMapping map(PgType type) {
        return TypeMapping.defaults().map(T, new SourceColumn("c", type.formatted(), type, true));
    }

    static PgType.Scalar scalar(String name) {
        return new PgType.Scalar(name, -1, name);
    }

    static PgType.Scalar numeric(int p, int s) {
        return new PgType.Scalar("numeric", ((p << 16) | (s & 0x7ff)) + 4, "numeric(" + p + "," + s + ")");
    }

    @Test
    void mapsEveryRowOfTheTable() {
        assertThat(map(scalar("int2")).duckDbType()).isEqualTo("SMALLINT");
        assertThat(map(scalar("int4")).duckDbType()).isEqualTo("INTEGER");
        assertThat(map(scalar("int8")).duckDbType()).isEqualTo("BIGINT");
        assertThat(map(scalar("float4")).duckDbType()).isEqualTo("FLOAT");
        assertThat(map(scalar("float8")).duckDbType()).isEqualTo("DOUBLE");
        assertThat(map(numeric(12, 2)).duckDbType()).isEqualTo("DECIMAL(12,2)");
        assertThat(map(numeric(38, 38)).duckDbType()).isEqualTo("DECIMAL(38,38)");
        assertThat(map(numeric(40, 2)).duckDbType()).isEqualTo("DECIMAL(38,9)");
        assertThat(map(numeric(5, -2)).duckDbType()).isEqualTo("DECIMAL(7,0)");
        assertThat(map(scalar("numeric")).duckDbType()).isEqualTo("DECIMAL(38,9)");
        assertThat(map(scalar("money")).duckDbType()).isEqualTo("DECIMAL(19,2)");
        for (String s : List.of("text", "varchar", "bpchar", "name", "citext")) {
            assertThat(map(scalar(s)).duckDbType()).isEqualTo("VARCHAR");
        }
        assertThat(map(scalar("bytea")).duckDbType()).isEqualTo("BLOB");
        assertThat(map(scalar("bool")).duckDbType()).isEqualTo("BOOLEAN");
        assertThat(map(scalar("date")).duckDbType()).isEqualTo("DATE");
        assertThat(map(scalar("timestamp")).duckDbType()).isEqualTo("TIMESTAMP");
        assertThat(map(scalar("timestamptz")).duckDbType()).isEqualTo("TIMESTAMPTZ");
        assertThat(map(scalar("time")).duckDbType()).isEqualTo("TIME");
        assertThat(map(scalar("timetz")).duckDbType()).isEqualTo("TIMETZ");
        assertThat(map(scalar("interval")).duckDbType()).isEqualTo("INTERVAL");
        assertThat(map(scalar("interval")).loadType()).isEqualTo("VARCHAR");
        assertThat(map(scalar("uuid")).duckDbType()).isEqualTo("UUID");
        assertThat(map(scalar("jsonb")).duckDbType()).isEqualTo("JSON");
        assertThat(map(scalar("varbit")).duckDbType()).isEqualTo("BIT");
        assertThat(map(scalar("inet")).duckDbType()).isEqualTo("VARCHAR");
        assertThat(map(new PgType.Array(scalar("int4"), 2, "integer[]")).duckDbType())
                .isEqualTo("INTEGER[][]");
        assertThat(map(new PgType.Enum("mood", List.of("a", "it's"), "mood")).duckDbType())
                .isEqualTo("ENUM('a', 'it''s')");
        assertThat(map(new PgType.Composite(
                                "addr",
                                List.of(
                                        new PgType.Field("Street", scalar("text")),
                                        new PgType.Field("n", scalar("int4"))),
                                "addr"))
                        .duckDbType())
                .isEqualTo("STRUCT(\"Street\" VARCHAR, \"n\" INTEGER)");
    }

    @Test
    void convertsTextOutput() {
        assertThat(map(scalar("float8")).convert("NaN")).isEqualTo(Double.NaN);
        assertThat(map(scalar("float4")).convert("-Infinity")).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(map(numeric(5, 2)).convert("1.5")).isEqualTo(new BigDecimal("1.50"));
        assertThat(map(scalar("money")).convert("-$1,234.56")).isEqualTo(new BigDecimal("-1234.56"));
        assertThat(map(scalar("bytea")).convert("\\x00ff")).isEqualTo(new byte[] {0, -1});
        assertThat(map(scalar("date")).convert("1970-01-02")).isEqualTo(1);
        assertThat(map(scalar("date")).convert("infinity")).isEqualTo(Integer.MAX_VALUE);
        assertThat(map(scalar("timestamptz")).convert("1970-01-01 01:00:00.5+01"))
                .isEqualTo(500_000L);
        assertThat(map(scalar("timestamp")).convert("0001-12-31 00:00:00 BC"))
                .isEqualTo((java.time.LocalDate.of(0, 12, 31).toEpochDay()) * 86_400_000_000L);
        assertThat(map(scalar("interval")).convert("1 year 2 mons -3 days +04:05:06.5"))
                .isEqualTo("14 months -3 days 14706500000 microseconds");
        assertThat(map(scalar("interval")).convert("-00:00:01.25")).isEqualTo("0 months 0 days -1250000 microseconds");
        assertThat(map(new PgType.Array(scalar("text"), 1, "text[]")).convert("{a,\"b c\",NULL,\"NULL\",\"q\\\"\"}"))
                .isEqualTo(Arrays.asList("a", "b c", null, "NULL", "q\""));
        assertThat(map(new PgType.Array(scalar("int4"), 2, "int[]")).convert("[0:1][1:1]={{1},{NULL}}"))
                .isEqualTo(List.of(List.of(1), Arrays.asList((Object) null)));
        assertThat(map(new PgType.Composite(
                                "r",
                                List.of(
                                        new PgType.Field("a", scalar("text")),
                                        new PgType.Field("b", scalar("int4")),
                                        new PgType.Field("c", scalar("text"))),
                                "r"))
                        .convert("(\"x \"\"y\"\"\",,\"\")"))
                .isEqualTo(Arrays.asList("x \"y\"", null, ""));
    }

    @Test
    void countsLossyValuesAndFailsOverflows() {
        ColumnMapping free = map(scalar("numeric"));
        assertThat(free.convert("1.1234567891")).isEqualTo(new BigDecimal("1.123456789"));
        assertThat(free.convert("NaN")).isNull();
        assertThat(free.convert("2.5000000000000")).isEqualTo(new BigDecimal("2.500000000"));
        assertThat(free.lossy().count()).isEqualTo(2);
        assertThat(free.lossy().override()).contains("public.t.c").contains("VARCHAR");
        assertThatThrownBy(() -> free.convert("1e30"))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("column c")
                .hasMessageContaining("numeric-overrides")
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.CONVERSION));
    }

    @Test
    void appliesAndValidatesOverrides() {
        var mapping = new TypeMapping(Map.of("public.t.c", "double"));
        var c = mapping.map(T, new SourceColumn("c", "numeric", scalar("numeric"), true));
        assertThat(c.duckDbType()).isEqualTo("DOUBLE");
        assertThat(c.convert("NaN")).isEqualTo(Double.NaN);
        assertThatThrownBy(() -> new TypeMapping(Map.of("public.t.c", "DECIMAL(50,2)")))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("DECIMAL(p,s)");
    }

    @Test
    void aNumericArraysLossyValuesNameTheNumericOverrideAndAMisdimensionedArrayNamesTheWayOut() {
        ColumnMapping numbers = map(new PgType.Array(scalar("numeric"), 1, "numeric[]"));
        assertThat(numbers.convert("{NaN,1.5}")).isNotNull();
        assertThat(numbers.lossy().count()).isEqualTo(1);
        assertThat(numbers.lossy().override()).startsWith("duckbridge.sync.numeric-overrides.\"public.t.c\"=VARCHAR");

        ColumnMapping grid = map(new PgType.Array(scalar("int4"), 2, "integer[]"));
        assertThatThrownBy(() -> grid.convert("{1,2}"))
                .isInstanceOfSatisfying(
                        io.duckbridge.core.error.DuckbridgeException.class,
                        e -> assertThat(e.getMessage())
                                .contains("does not have the 2 dimension(s)")
                                .contains("duckbridge.sync.exclude"));
    }

    @Test
    void parsesTableNamesAndGlobs() {
        assertThat(TableName.parse("orders")).isEqualTo(new TableName("public", "orders"));
        assertThat(TableName.parse("\"My.Schema\".\"Order \"\"Items\"\"\""))
                .isEqualTo(new TableName("My.Schema", "Order \"Items\""));
        assertThat(new TableName("a", "b\"c").quoted()).isEqualTo("\"a\".\"b\"\"c\"");
        var selector = new TableSelector(List.of("shop.*", "orders"), List.of("shop.tmp_*"));
        assertThat(selector.selects(new TableName("shop", "items"))).isTrue();
        assertThat(selector.selects(new TableName("shop", "tmp_x"))).isFalse();
        assertThat(selector.selects(new TableName("public", "orders"))).isTrue();
        assertThat(selector.selects(new TableName("public", "users"))).isFalse();
        // a name with a character beyond the BMP: matched whole, by itself, by * and by one ?
        var emoji = new TableSelector(List.of("public.t😀", "shop.?_x", "other.*😀"), List.of());
        assertThat(emoji.selects(new TableName("public", "t😀"))).isTrue();
        assertThat(emoji.selects(new TableName("shop", "😀_x"))).isTrue();
        assertThat(emoji.selects(new TableName("other", "a😀"))).isTrue();
        assertThat(emoji.selects(new TableName("public", "t😁"))).isFalse();
    }
}
