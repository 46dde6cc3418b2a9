package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.CatalogReader;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TypeMapping;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.snapshot.CopyIngester;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings.Ingest;
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
 * The table-function ingest path ({@link CopyIngester#appendVectors}) writes the same tables, lossy counts and
 * errors as the appender path, and tables with a column it does not cover still load (through the appender).
 */
@Timeout(180)
class VectorIngestIT {
    static TestingPostgres pg;
    static DuckDbEngine engine;

    /** {@code nr} is unconstrained numeric overridden to DECIMAL(10,2): rounded and NaN values are lossy there. */
    static final TypeMapping MAPPING = new TypeMapping(Map.of("public.every_fast_type.nr", "DECIMAL(10,2)"));

    @BeforeAll
    static void setUp() {
        pg = TestingPostgres.start();
        pg.execute("""
                CREATE TYPE hue AS ENUM ('red', 'grün', 'it''s blue');
                CREATE TABLE every_fast_type (id bigint PRIMARY KEY, s smallint, i integer, r real, d float8,
                    b boolean, n12 numeric(12,2), n4 numeric(4,1), n0 numeric(10,0), nr numeric, nfree numeric,
                    m money, nbig numeric(30,5), dt date, ts timestamp, tstz timestamptz, t text, v varchar(10),
                    c char(4), e hue, j json, jb jsonb, u uuid, ip inet, iv interval, bits varbit);
                INSERT INTO every_fast_type VALUES
                    (1, -32768, -2147483648, 'NaN', '-Infinity', true, 'NaN', -999.9, -1234567890, 'NaN',
                     'Infinity', -92233720368547758.08, -1234567890123456789012345.12345, 'infinity', 'infinity',
                     '-infinity', 'ünï 日本語 🦆 €', '', 'ab', 'grün', '{"a": [1, "ü", {"b": null}]}',
                     '{"k": "line\\nbreak"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '10.0.0.1/8',
                     '1 year 2 mons -3 days 04:05:06.5', B'101'),
                    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                    (3, 32767, 2147483647, 'Infinity', 'NaN', false, 9999999999.99, 999.9, 9999999999,
                     1.23456, 123456789.1234567891, 92233720368547758.07, 1234567890123456789012345.12345,
                     '-infinity', '-infinity', 'infinity', 'quote'' "double" \\back', 'ω', 'äö', 'it''s blue',
                     '[]', '[1, 2.5e300, "x"]', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '::1', '0', B''),
                    (4, 0, 0, 0, -0.0, true, 0, 0, 0, -2.005, -0.0000000005, 0, 0.00001, '4713-11-24 BC',
                     '4713-11-24 00:00:00 BC', '1969-12-31 23:59:59.999999+00', 'NULL', '\\N', '', 'red', 'null',
                     '"s"', '00000000-0000-0000-0000-000000000000', '2001:db8::/32', '-3 mons -4 days -00:00:01.25',
                     B'0');
                INSERT INTO every_fast_type (id, s, i, r, d, b, n12, n4, n0, nr, nfree, m, nbig, dt, ts, tstz, t, v,
                        c, e, j, jb, u, ip, iv, bits)
                    SELECT g, (g % 30000)::smallint, g * 7919 % 100000, g / 7.0, g / 3.0, g % 3 = 0, g * 1.25,
                        (g % 9999) / 10.0, g * 1000, CASE WHEN g % 97 = 0 THEN 'NaN' ELSE g / 8.0 END,
                        g / 7.0, g * 0.01, g * 12345.6789, DATE '2024-01-01' + g,
                        TIMESTAMP '2024-01-01' + g * interval '1.5 second',
                        TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * interval '1 minute',
                        CASE WHEN g % 10 = 0 THEN NULL ELSE 'row ' || g || ' ü' END, left('v' || g, 10),
                        left(g::text, 4), (ARRAY['red', 'grün', 'it''s blue'])[1 + g % 3]::hue,
                        CASE WHEN g % 5 = 0 THEN NULL ELSE json_build_object('g', g) END,
                        jsonb_build_object('g', g, 'u', 'ü'), md5(g::text)::uuid,
                        ('10.0.' || (g % 256) || '.1')::inet, g * interval '1 second', (g % 256)::bit(8)::varbit
                    FROM generate_series(5, 6000) g;
                CREATE TABLE mixed (id int PRIMARY KEY, tags text[], note text);
                INSERT INTO mixed VALUES (1, '{a,"b c",NULL}', 'ü'), (2, '{}', NULL), (3, NULL, 'x');
                CREATE TABLE overflows (id int PRIMARY KEY, n numeric);
                INSERT INTO overflows SELECT g, g FROM generate_series(1, 3000) g;
                INSERT INTO overflows VALUES (3001, 1e30);
                ANALYZE;
                """);
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
        engine.executeOnLane("SET TimeZone = 'UTC'");
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

    static TableSync sync(Ingest ingest) {
        return new TableSync(
                engine,
                new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                null,
                new SyncSettings(null, MAPPING, new SnapshotSettings(2, 1_000, true, ingest), null));
    }

    @SuppressWarnings("unchecked")
    static Object lossy(Map<String, Object> result) {
        return ((List<Map<String, Object>>) result.get("tables")).get(0).get("lossy");
    }

    @Test
    void tableFunctionAndAppenderWriteIdenticalTablesAndLossyCounts() throws Exception {
        TableName table = TableName.parse("every_fast_type");
        assertThat(covered("every_fast_type")).isTrue();

        Map<String, Object> byAppender = sync(Ingest.APPENDER).run(List.of(table), SyncMode.FULL, JobContext.none());
        engine.executeOnLane("CREATE OR REPLACE TABLE main.by_appender AS SELECT * FROM public.every_fast_type");
        Map<String, Object> byFunction =
                sync(Ingest.TABLE_FUNCTION).run(List.of(table), SyncMode.FULL, JobContext.none());

        assertThat(lossy(byFunction)).isEqualTo(lossy(byAppender));
        assertThat(lossy(byFunction).toString()).contains("nr=").contains("nfree=");
        assertThat(
                        strings(
                                "SELECT column_name || ' ' || data_type FROM information_schema.columns"
                                        + " WHERE table_schema = 'public' AND table_name = 'every_fast_type' ORDER BY ordinal_position"))
                .isEqualTo(strings("SELECT column_name || ' ' || data_type FROM information_schema.columns"
                        + " WHERE table_schema = 'main' AND table_name = 'by_appender' ORDER BY ordinal_position"));
        assertThat(strings("SELECT count(*) FROM public.every_fast_type")).containsExactly("6000");
        assertThat(strings("SELECT count(*) FROM (SELECT * FROM public.every_fast_type EXCEPT ALL"
                        + " SELECT * FROM main.by_appender)"))
                .containsExactly("0");
        assertThat(strings("SELECT count(*) FROM (SELECT * FROM main.by_appender EXCEPT ALL"
                        + " SELECT * FROM public.every_fast_type)"))
                .containsExactly("0");
        // and value by value as text, which also tells NaN, ±infinity and NULL apart
        assertThat(strings("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM public.every_fast_type ORDER BY id"))
                .isEqualTo(strings("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM main.by_appender ORDER BY id"));
        assertThat(strings("SELECT concat_ws('|', dt, ts, tstz, r, d, n12, nr, t, e) FROM public.every_fast_type"
                        + " WHERE id = 1"))
                .containsExactly("infinity|infinity|-infinity|nan|-inf|ünï 日本語 🦆 €|grün");
    }

    @Test
    void aTableWithAListColumnLoadsThroughTheAppender() throws Exception {
        assertThat(covered("mixed")).isFalse();
        sync(Ingest.TABLE_FUNCTION).run(List.of(TableName.parse("mixed")), SyncMode.FULL, JobContext.none());
        assertThat(strings("SELECT id || ' ' || coalesce(tags::VARCHAR, 'null') || ' ' || coalesce(note, 'null')"
                        + " FROM public.mixed ORDER BY id"))
                .containsExactly("1 [a, b c, NULL] ü", "2 [] null", "3 null x");
    }

    @Test
    void anOverflowFailsTheTableWithTheColumnAndOverrideAndKeepsThePreviousCopy() throws Exception {
        TableName table = TableName.parse("overflows");
        pg.execute("UPDATE overflows SET n = 1 WHERE id = 3001");
        sync(Ingest.TABLE_FUNCTION).run(List.of(table), SyncMode.FULL, JobContext.none());
        pg.execute("UPDATE overflows SET n = 1e30 WHERE id = 3001");
        assertThat(covered("overflows")).isTrue();

        assertThatThrownBy(() -> sync(Ingest.TABLE_FUNCTION).run(List.of(table), SyncMode.FULL, JobContext.none()))
                .isInstanceOf(DuckbridgeException.class)
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.CONVERSION))
                .hasMessageContaining("column n")
                .hasMessageContaining("numeric-overrides")
                .hasMessageNotContaining("at org.duckdb");
        assertThat(strings("SELECT count(*) || ' ' || max(n) FROM public.overflows"))
                .containsExactly("3001 3000.000000000");
        assertThat(strings("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__duckbridge_staging%'"))
                .containsExactly("0");
    }

    @Test
    void theIngestFunctionRejectsAnUnknownToken() {
        pg.execute("CREATE TABLE IF NOT EXISTS tiny (id int); INSERT INTO tiny VALUES (1)");
        sync(Ingest.TABLE_FUNCTION).run(List.of(TableName.parse("tiny")), SyncMode.FULL, JobContext.none());
        assertThat(strings("SELECT count(*) FROM public.tiny")).containsExactly("1");
        assertThatThrownBy(() -> engine.executeOnLane(
                        "SELECT * FROM duckbridge_copy_source('00000000000000000000000000000000')"))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("no copy is running under this token");
    }

    static boolean covered(String table) throws Exception {
        try (Connection c = pg.connect()) {
            var source = new CatalogReader().read(c, TableName.parse(table)).orElseThrow();
            return CopyIngester.vectorsCover(MAPPING.map(source));
        }
    }

    static List<String> strings(String sql) {
        return engine.read(session -> {
            List<String> out = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                int width = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= width; i++) {
                        row.append(i > 1 ? "|" : "").append(rs.getString(i));
                    }
                    out.add(row.toString());
                }
            }
            return out;
        });
    }
}
