package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.testing.TestingPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Syncs tables covering every row of the type mapping (and the edge values of each) and compares every
 * value with PostgreSQL, through a canonical text form computed on each side. Snapshots read binary-format
 * COPY into the ingest table function here; {@link AppenderTypeFidelityIT} runs the same checks with the
 * appender, {@link TextCopyTypeFidelityIT} over text-format COPY.
 */
@Timeout(180)
class TypeFidelityIT {
    static TestingPostgres pg;
    static DuckDbEngine engine;
    static TableSync sync;

    /** A column to compare: the PostgreSQL expression and the DuckDB expression that give the same text. */
    record Check(String column, String pgExpr, String duckExpr) {}

    static Check same(String column) {
        String q = TableName.quote(column);
        return new Check(column, q + "::text", q + "::VARCHAR");
    }

    /** Whether snapshots read binary-format COPY (the default) or text-format COPY. */
    static boolean binaryCopy;

    /** How binary-COPY rows enter DuckDB: the table function (the default) or the appender. */
    static SnapshotSettings.Ingest ingest;

    static SnapshotSettings snapshotSettings() {
        return new SnapshotSettings(2, 10_000, binaryCopy, ingest);
    }

    @BeforeAll
    static void setUp() throws Exception {
        binaryCopy = true;
        ingest = SnapshotSettings.Ingest.TABLE_FUNCTION;
        start();
    }

    static void start() throws Exception {
        pg = TestingPostgres.start();
        pg.execute("""
                CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'it''s "complicated"');
                CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
                CREATE DOMAIN short_text AS varchar(10);
                CREATE TYPE address AS (street text, nr int, tags text[], since date);
                CREATE TABLE numbers (id int PRIMARY KEY, s smallint, i integer, b bigint, ser serial, bs bigserial,
                    r real, d double precision, n12 numeric(12,2), n38 numeric(38,10), nfree numeric, m money);
                INSERT INTO numbers (id, s, i, b, r, d, n12, n38, nfree, m) VALUES
                    (1, -32768, -2147483648, -9223372036854775808, 'NaN', 'NaN', -9999999999.99,
                     -9999999999999999999999999999.9999999999, 123456789.123456789, -92233720368547758.08),
                    (2, 32767, 2147483647, 9223372036854775807, 'Infinity', 'Infinity', 9999999999.99,
                     9999999999999999999999999999.9999999999, 0.000000001, 92233720368547758.07),
                    (3, 0, 0, 0, '-Infinity', '-Infinity', 0, 0, -0.5, 0),
                    (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                    (5, 1, 1, 1, 3.4028235e38, 1.7976931348623157e308, 0.01, 1e-10, 12345678901234567890123456789, 1.5),
                    (6, -1, -1, -1, 1.4e-45, 4.9e-324, -0.01, -1e-10, -0, -1.23);
                CREATE TABLE texts (id int PRIMARY KEY, t text, v varchar(20), c char(5), nm name, ch "char",
                    dom short_text, e mood, bits bit(4), vbits varbit(10), bt bytea);
                INSERT INTO texts VALUES
                    (1, 'plain', 'v', 'ab', 'name', 'x', 'short', 'sad', B'1010', B'1', '\\x00ff10'),
                    (2, E'tab\\there\\nnew line\\\\back \\"quote'' single', '', '', '', 'y', '', 'happy', B'0000', B'',
                     ''::bytea),
                    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                    (4, 'unicode: ü 日本語 🦆 €', 'ünï', 'äö', 'Ω', 'z', 'ok', 'it''s "complicated"', B'1111',
                     B'1010101010', '\\x5c6e0d0a09'),
                    (5, '', 'NULL', 'N', 'null', 'n', '\\N', 'ok', B'0001', B'0', '\\x5c4e');
                CREATE TABLE times (id int PRIMARY KEY, d date, ts timestamp, tstz timestamptz, t time, ttz timetz,
                    iv interval, ts3 timestamp(3));
                INSERT INTO times VALUES
                    (1, '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.5+02', '13:14:15.000001',
                     '13:14:15+05:30', '1 year 2 mons 3 days 04:05:06.5', '2024-01-01 00:00:00.123'),
                    (2, 'infinity', 'infinity', 'infinity', '24:00:00', '00:00:00-12', '-1 days +02:03:00', NULL),
                    (3, '-infinity', '-infinity', '-infinity', '00:00:00', '23:59:59.999999+14', '0', NULL),
                    (4, '0044-03-15 BC', '0044-03-15 12:00:00 BC', '1900-01-01 00:00:00+00', NULL, NULL,
                     '-3 mons -4 days -00:00:01.25', NULL),
                    (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                    (6, '1970-01-01', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999+00', '12:00', '12:00+00',
                     '100 years', '1999-12-31 23:59:59.999');
                CREATE TABLE others (id int PRIMARY KEY, b boolean, u uuid, j json, jb jsonb, ip inet, cidr_ cidr,
                    mac macaddr, x xml, tsv tsvector, rng int4range, pt point, pos positive_int, o oid);
                INSERT INTO others VALUES
                    (1, true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2, {"b": null}]}',
                     '{"deep": {"deeper": {"deepest": [1, "x", true, null, 1.5e300]}}}', '192.168.0.1/24', '10.0.0.0/8',
                     '08:00:2b:01:02:03', '<a>x</a>', 'a fat cat', '[1,10)', '(1.5,2)', 7, 12345),
                    (2, false, '00000000-0000-0000-0000-000000000000', '"str"', '[]', '::1', '::/0',
                     'ff:ff:ff:ff:ff:ff', '', '', 'empty', '(0,0)', 1, 0),
                    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                    (4, true, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{"uni": "ü\\u00e9 🦆", "q": "a\\"b"}',
                     '{"k": "line\\nbreak"}', '2001:db8::1', '2001:db8::/32', '00:00:00:00:00:00', NULL, NULL,
                     '(,5]', NULL, 2147483647, 4294967295);
                CREATE TABLE arrays (id int PRIMARY KEY, ia int[], ta text[], i2 int[][], na numeric(5,2)[],
                    ba bool[], da date[], ua uuid[], ea mood[], tsa timestamptz[], ja jsonb[], fa float8[], ia3 int[][][],
                    by bytea[], addr address, addrs address[]);
                INSERT INTO arrays VALUES
                    (1, '{1,2,3}', '{"a","b c","d,e","\\"q\\"","back\\\\slash","NULL",""}', '{{1,2},{3,4}}',
                     '{1.5,NULL,-999.99}', '{t,f,NULL}', '{2024-01-01,NULL,0001-01-01 BC}',
                     '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{sad,happy}', '{"2024-01-01 10:00:00+00"}',
                     ARRAY['{"a":1}'::jsonb, '[]'::jsonb], '{1.5,NaN,Infinity,-Infinity}', '{{{1,2},{3,4}},{{5,6},{7,8}}}',
                     '{"\\\\x00ff",NULL}', ROW('Main St, 1', 5, '{x,y}', '2020-02-02'),
                     ARRAY[ROW('a', 1, '{}', NULL)::address, NULL, ROW(NULL, NULL, NULL, NULL)::address]),
                    (2, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
                     ROW('', NULL, '{NULL}', NULL), '{}'),
                    (3, '{NULL}', '{NULL,NULL}', '{{NULL,1},{2,NULL}}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                     NULL, NULL, NULL, NULL),
                    (4, NULL, '{"ü 🦆","tab\\there","new\\nline","quote''s"}', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                     NULL, NULL, NULL, NULL, ROW('quote "x" and \\ back', -1, '{"a,b"}', '2020-01-01'), NULL),
                    (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                     ROW(NULL, NULL, NULL, NULL), NULL);
                CREATE TABLE "Mixed Case"."Order Items" ("Id" int PRIMARY KEY, "select" text, "Group" int,
                    "with space" text, "dot.ted" int);
                """.replace(
                        "CREATE TABLE \"Mixed Case\"", "CREATE SCHEMA \"Mixed Case\"; CREATE TABLE \"Mixed Case\""));
        pg.execute("""
                INSERT INTO "Mixed Case"."Order Items" VALUES (1, 'from', 2, 'x y', 3), (2, NULL, NULL, '', NULL);
                CREATE TABLE events (id int, region text, amount numeric(10,2), at date) PARTITION BY LIST (region);
                CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
                CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
                CREATE TABLE events_other PARTITION OF events DEFAULT;
                INSERT INTO events SELECT g, (ARRAY['eu','us','apac'])[1 + g % 3], g * 1.25, DATE '2024-01-01' + g
                    FROM generate_series(1, 3000) g;
                CREATE TYPE place AS (name text, at address);
                CREATE TABLE nested_composites (id int PRIMARY KEY, p place, ps place[]);
                INSERT INTO nested_composites VALUES
                    (1, ROW('home', ROW('Main St, 1', 1, '{a}', '2020-01-01')),
                     ARRAY[ROW('work', ROW('x "y"', 2, '{}', NULL))::place, NULL]),
                    (2, ROW('nowhere', NULL), NULL),
                    (3, ROW(NULL, ROW(NULL, NULL, NULL, NULL)), '{}'),
                    (4, NULL, ARRAY[ROW(NULL, NULL)::place]);
                CREATE TABLE no_key (id int, note text);
                INSERT INTO no_key VALUES (1, 'dup'), (1, 'dup'), (2, NULL);
                CREATE TABLE empty_table (id int PRIMARY KEY, v text);
                CREATE TABLE big (id int PRIMARY KEY, v text, n numeric(12,2), at timestamptz);
                INSERT INTO big SELECT g, 'row ' || g, g / 7.0, TIMESTAMPTZ '2024-01-01' + g * interval '1 second'
                    FROM generate_series(1, 60000) g;
                ANALYZE;
                """);
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
        engine.executeOnLane("SET TimeZone = 'UTC'");
        var settings = new SyncSettings(
                new TableSelector(List.of(), List.of("public.overflow*", "public.lossy*")),
                TypeMapping.defaults(),
                snapshotSettings(),
                null);
        sync = new TableSync(engine, new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()), null, settings);
        sync.run(null, SyncMode.FULL, JobContext.none());
    }

    @AfterAll
    static void tearDown() {
        if (engine != null) {
            engine.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void keepsEveryNumber() throws Exception {
        compare(
                "public.numbers",
                "id",
                List.of(
                        same("s"),
                        same("i"),
                        same("b"),
                        same("ser"),
                        same("bs"),
                        floats("r"),
                        floats("d"),
                        same("n12"),
                        same("n38"),
                        new Check("nfree", "round(nfree, 9)::text", "nfree::VARCHAR"),
                        new Check("m", "m::numeric::text", "m::VARCHAR")));
        assertThat(duckType("public.numbers", "nfree")).isEqualTo("DECIMAL(38,9)");
        assertThat(duckType("public.numbers", "m")).isEqualTo("DECIMAL(19,2)");
        assertThat(duckType("public.numbers", "r")).isEqualTo("FLOAT");
    }

    @Test
    void keepsEveryTextAndBinaryValue() throws Exception {
        compare(
                "public.texts",
                "id",
                List.of(
                        same("t"),
                        same("v"),
                        out("c"),
                        same("nm"),
                        same("ch"),
                        same("dom"),
                        same("e"),
                        same("bits"),
                        new Check("vbits", "nullif(vbits::text, '')", "vbits::VARCHAR"),
                        new Check("bt", "encode(bt, 'hex')", "lower(hex(bt))")));
        assertThat(duckType("public.texts", "e")).startsWith("ENUM(");
        assertThat(duckType("public.texts", "bits")).isEqualTo("BIT");
        assertThat(duckType("public.texts", "bt")).isEqualTo("BLOB");
    }

    @Test
    void keepsEveryDateAndTime() throws Exception {
        compare(
                "public.times",
                "id",
                List.of(
                        new Check("d", "replace(d::text, ' BC', ' (BC)')", "d::VARCHAR"),
                        new Check(
                                "ts", "regexp_replace(ts::text, '^(\\S+) (\\S+) BC$', '\\1 (BC) \\2')", "ts::VARCHAR"),
                        same("tstz"),
                        same("t"),
                        same("ttz"),
                        new Check(
                                "iv",
                                "extract(year from iv) * 12 + extract(month from iv) || ' ' || extract(day from iv)"
                                        + " || ' ' || (extract(epoch from iv) - extract(epoch from justify_hours("
                                        + "date_trunc('day', iv))))::numeric(30,6)",
                                "(datepart('year', iv) * 12 + datepart('month', iv)) || ' ' || datepart('day', iv)"
                                        + " || ' ' || (epoch(iv) - epoch(date_trunc('day', iv)))::DECIMAL(30,6)"),
                        same("ts3")));
    }

    @Test
    void keepsBooleansUuidsJsonAndTheTextOfOtherTypes() throws Exception {
        compare(
                "public.others",
                "id",
                List.of(
                        same("b"),
                        same("u"),
                        same("j"),
                        same("jb"),
                        out("ip"),
                        out("cidr_"),
                        out("mac"),
                        out("x"),
                        out("tsv"),
                        out("rng"),
                        out("pt"),
                        same("pos"),
                        same("o")));
        assertThat(duckType("public.others", "jb")).isEqualTo("JSON");
        assertThat(duckType("public.others", "pos")).isEqualTo("INTEGER");
        assertThat(duckType("public.others", "ip")).isEqualTo("VARCHAR");
    }

    @Test
    void keepsArraysAndComposites() throws Exception {
        compare(
                "public.arrays",
                "id",
                List.of(
                        json("ia"),
                        json("ta"),
                        json("i2"),
                        elements("na"),
                        json("ba"),
                        new Check(
                                "da",
                                "(SELECT string_agg(coalesce(replace(x::text, ' BC', ' (BC)'), 'null'), ',' ORDER BY o)"
                                        + " FROM unnest(da) WITH ORDINALITY AS u(x, o))",
                                "(SELECT string_agg(coalesce(x::VARCHAR, 'null'), ',') FROM unnest(da) AS u(x))"),
                        json("ua"),
                        json("ea"),
                        new Check(
                                "tsa",
                                "(SELECT string_agg((extract(epoch from x) * 1000000)::bigint::text, ',') FROM unnest(tsa) x)",
                                "(SELECT string_agg(epoch_us(x)::VARCHAR, ',') FROM unnest(tsa) AS u(x))"),
                        elements("ja"),
                        new Check(
                                "fa",
                                "(SELECT string_agg(lower(x::text), ',') FROM unnest(fa) x)",
                                "(SELECT string_agg(CASE WHEN isinf(x) AND x > 0 THEN 'infinity' WHEN isinf(x) THEN"
                                        + " '-infinity' ELSE lower(x::VARCHAR) END, ',') FROM unnest(fa) AS u(x))"),
                        json("ia3"),
                        new Check(
                                "by",
                                "(SELECT string_agg(coalesce(encode(x, 'hex'), 'null'), ',') FROM unnest(\"by\") x)",
                                "(SELECT string_agg(coalesce(lower(hex(x)), 'null'), ',') FROM unnest(\"by\") AS u(x))"),
                        new Check("addr", "to_json(addr)::text", "to_json(addr)::VARCHAR"),
                        new Check("addrs", "to_json(addrs)::text", "to_json(addrs)::VARCHAR")));
        assertThat(duckType("public.arrays", "i2")).isEqualTo("INTEGER[][]");
        assertThat(duckType("public.arrays", "addr")).startsWith("STRUCT(");
    }

    @Test
    void keepsCompositesInsideComposites() throws Exception {
        compare(
                "public.nested_composites",
                "id",
                List.of(
                        new Check("p", "to_json(p)::text", "to_json(p)::VARCHAR"),
                        new Check("ps", "to_json(ps)::text", "to_json(ps)::VARCHAR")));
        assertThat(duckType("public.nested_composites", "p")).contains("STRUCT(street");
    }

    @Test
    void keepsQuotedNamesPartitionedTablesTablesWithoutKeysAndEmptyTables() throws Exception {
        compare(
                "\"Mixed Case\".\"Order Items\"",
                "\"Id\"",
                List.of(same("select"), same("Group"), same("with space"), same("dot.ted")));
        compare("public.events", "id", List.of(same("region"), same("amount"), same("at")));
        assertThat(duckCount("public.events")).isEqualTo(3000);
        assertThat(duckCount("public.events_eu"))
                .as("partitions are not synced separately")
                .isEqualTo(-1);
        assertThat(duckCount("public.no_key")).isEqualTo(3);
        assertThat(duckCount("public.empty_table")).isZero();
        compare("public.big", "id", List.of(same("v"), same("n"), same("at")));
        assertThat(sync.describe(new TableName("public", "big")).get("rowCount"))
                .isEqualTo(60000L);
    }

    @Test
    void countsLossyValuesAndFailsOverflowsNamingTheColumnAndOverride() {
        pg.execute("""
                CREATE TABLE lossy_values (id int PRIMARY KEY, n numeric);
                INSERT INTO lossy_values VALUES (1, 1.1234567891), (2, 'NaN'), (3, 2.5);
                CREATE TABLE overflow_values (id int PRIMARY KEY, n numeric);
                INSERT INTO overflow_values VALUES (1, 1e30);
                """);
        var all = new TableSync(
                engine,
                new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                null,
                new SyncSettings(null, null, snapshotSettings(), null));
        Map<String, Object> result =
                all.run(List.of(TableName.parse("lossy_values")), SyncMode.FULL, JobContext.none());
        @SuppressWarnings("unchecked")
        var table = ((List<Map<String, Object>>) result.get("tables")).get(0);
        assertThat(table.get("lossy").toString())
                .contains("n=")
                .contains("count=2")
                .contains("VARCHAR");
        assertThat(all.describe(TableName.parse("lossy_values")).get("lossy")).isEqualTo(Map.of("n", 2L));

        assertThatThrownBy(() -> all.run(List.of(TableName.parse("overflow_values")), SyncMode.FULL, JobContext.none()))
                .isInstanceOf(DuckbridgeException.class)
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.CONVERSION))
                .hasMessageContaining("column n")
                .hasMessageContaining("numeric-overrides");
        assertThat(duckCount("public.overflow_values")).isEqualTo(-1);

        var overridden = new TableSync(
                engine,
                new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                null,
                new SyncSettings(
                        null,
                        new TypeMapping(Map.of("public.overflow_values.n", "VARCHAR")),
                        snapshotSettings(),
                        null));
        overridden.run(List.of(TableName.parse("overflow_values")), SyncMode.FULL, JobContext.none());
        assertThat(duckStrings("SELECT n FROM public.overflow_values"))
                .containsExactly("1000000000000000000000000000000");
    }

    @Test
    void failsATimestampOneMicrosecondAfterDuckDbsLastInsteadOfStoringInfinity() {
        // DuckDB stores infinity as the largest microsecond count, which is exactly 294247-01-10 04:00:54.775807
        pg.execute("""
                CREATE TABLE last_timestamp (id int PRIMARY KEY, ts timestamp, tstz timestamptz);
                INSERT INTO last_timestamp VALUES (1, '294247-01-10 04:00:54.775806', '294247-01-10 04:00:54.775806+00');
                CREATE TABLE after_last_timestamp (id int PRIMARY KEY, ts timestamp);
                INSERT INTO after_last_timestamp VALUES (1, '294247-01-10 04:00:54.775807');
                CREATE TABLE after_last_timestamptz (id int PRIMARY KEY, tstz timestamptz);
                INSERT INTO after_last_timestamptz VALUES (1, '294247-01-10 05:00:54.775807+01');
                """);
        var sync = new TableSync(
                engine,
                new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                null,
                new SyncSettings(null, null, snapshotSettings(), null));
        sync.run(List.of(TableName.parse("last_timestamp")), SyncMode.FULL, JobContext.none());
        assertThat(duckStrings("SELECT isinf(ts)::VARCHAR || ',' || isinf(tstz)::VARCHAR FROM public.last_timestamp"))
                .containsExactly("false,false");
        for (String table : List.of("after_last_timestamp", "after_last_timestamptz")) {
            assertThatThrownBy(() -> sync.run(List.of(TableName.parse(table)), SyncMode.FULL, JobContext.none()))
                    .isInstanceOf(DuckbridgeException.class)
                    .satisfies(e ->
                            assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.CONVERSION))
                    .hasMessageContaining("294247-01-10 04:00:54.775806");
            assertThat(duckCount("public." + table)).isEqualTo(-1);
        }
    }

    // ---- comparison ----------------------------------------------------------------------------

    /** PostgreSQL's output function (what COPY and pgoutput send), not the text() cast. */
    static Check out(String column) {
        String q = TableName.quote(column);
        return new Check(column, "CASE WHEN " + q + " IS NOT NULL THEN format('%s', " + q + ") END", q + "::VARCHAR");
    }

    static Check elements(String column) {
        return new Check(
                column,
                "(SELECT string_agg(coalesce(x::text, 'null'), ',' ORDER BY o) FROM unnest(" + column
                        + ") WITH ORDINALITY AS u(x, o))",
                "(SELECT string_agg(coalesce(x::VARCHAR, 'null'), ',') FROM unnest(" + column + ") AS u(x))");
    }

    static Check floats(String column) {
        return new Check(
                column,
                "lower(" + column + "::text)",
                "CASE WHEN isinf(" + column + ") AND " + column + " > 0 THEN 'infinity' WHEN isinf(" + column
                        + ") THEN '-infinity' ELSE lower(" + column + "::VARCHAR) END");
    }

    static Check json(String column) {
        return new Check(column, "array_to_json(" + column + ")::text", "to_json(" + column + ")::VARCHAR");
    }

    static void compare(String table, String orderBy, List<Check> checks) throws Exception {
        for (Check check : checks) {
            String q = TableName.quote(check.column());
            List<String> expected = new ArrayList<>();
            try (Connection c = pg.connect();
                    Statement st = c.createStatement()) {
                st.execute("SET TimeZone = 'UTC'; SET extra_float_digits = 1");
                try (ResultSet rs = st.executeQuery("SELECT " + check.pgExpr().replace(check.column() + "::", q + "::")
                        + " FROM " + table + " ORDER BY " + orderBy + ", " + q + "::text")) {
                    while (rs.next()) {
                        expected.add(rs.getString(1));
                    }
                }
            }
            List<String> actual = duckStrings("SELECT " + check.duckExpr().replace(check.column() + "::", q + "::")
                    + " FROM " + table + " ORDER BY " + orderBy + ", " + q + "::VARCHAR");
            assertThat(actual).as(table + "." + check.column()).containsExactlyElementsOf(expected);
        }
    }

    static List<String> duckStrings(String sql) {
        return engine.read(session -> {
            List<String> out = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    static long duckCount(String table) {
        try {
            return Long.parseLong(duckStrings("SELECT count(*) FROM " + table).get(0));
        } catch (DuckbridgeException e) {
            return -1;
        }
    }

    static String duckType(String table, String column) {
        TableName t = TableName.parse(table);
        return duckStrings("SELECT data_type FROM duckdb_columns() WHERE schema_name = '" + t.schema()
                        + "' AND table_name = '" + t.name() + "' AND column_name = '" + column + "'")
                .get(0);
    }
}
