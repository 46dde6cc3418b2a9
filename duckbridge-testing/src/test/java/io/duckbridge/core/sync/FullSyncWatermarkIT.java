package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.incremental.IncrementalSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.testing.TestingPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The watermark a full sync records is PostgreSQL's own text of {@code max(watermark)} (of the values not beyond
 * PostgreSQL's current time, see {@link io.duckbridge.core.sync.incremental.WatermarkText#horizon}), whether it
 * was read from PostgreSQL or (for exactly mapped types) from the new DuckDB copy: fractions, BC, infinities,
 * years past 9999, integers, numerics and tables without a value.
 */
@Timeout(180)
class FullSyncWatermarkIT {
    static TestingPostgres pg;
    static DuckDbEngine engine;
    static PostgresSource source;

    /** table → column type and the values of its watermark column. */
    static final Map<String, String> TABLES = Map.ofEntries(
            Map.entry("wm_tstz", "timestamptz|'2024-06-22 14:40:00.5+02', '2020-01-01 00:00:00+00'"),
            Map.entry("wm_tstz_micros", "timestamptz|'1999-12-31 23:59:59.999999+00', NULL"),
            Map.entry("wm_tstz_inf", "timestamptz|'infinity', '2020-01-01 00:00:00+00'"),
            Map.entry("wm_tstz_bc", "timestamptz|'0044-03-15 12:00:00.25+00 BC', '4713-11-24 00:00:00+00 BC'"),
            Map.entry("wm_ts", "timestamp|'2024-06-22 14:40:00', '2024-06-22 14:39:59.123'"),
            Map.entry("wm_ts_far", "timestamp|'12024-01-01 00:00:00', '2024-01-01'"),
            Map.entry("wm_ts_neg_inf", "timestamp|'-infinity'"),
            Map.entry("wm_date", "date|'2024-02-29', '1970-01-01'"),
            Map.entry("wm_date_bc", "date|'0001-01-01 BC'"),
            Map.entry("wm_date_inf", "date|'infinity'"),
            Map.entry("wm_int", "integer|-5, 2147483647"),
            Map.entry("wm_small", "smallint|-3"),
            Map.entry("wm_big", "bigint|-9223372036854775808, 12"),
            Map.entry("wm_numeric", "numeric|1.0000000005, 1"),
            Map.entry("wm_nulls", "timestamptz|NULL"),
            Map.entry("wm_empty", "timestamptz|"));

    @BeforeAll
    static void setUp() {
        pg = TestingPostgres.start();
        source = new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password());
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
        TABLES.forEach((table, spec) -> {
            String[] parts = spec.split("\\|", -1);
            pg.execute("CREATE TABLE " + table + " (id serial PRIMARY KEY, wm " + parts[0] + ")");
            if (!parts[1].isEmpty()) {
                for (String value : parts[1].split(", ")) {
                    pg.execute("INSERT INTO " + table + " (wm) VALUES (" + value + ")");
                }
            }
        });
        sync().run(TABLES.keySet().stream().map(TableName::parse).toList(), SyncMode.FULL, JobContext.none());
    }

    static TableSync sync() {
        return new TableSync(
                engine,
                source,
                null,
                new SyncSettings(
                        new TableSelector(List.of("public.wm_*"), List.of()),
                        null,
                        new SnapshotSettings(2, 10_000),
                        new IncrementalSettings("wm", Duration.ofMinutes(1), null, 0)));
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

    static List<String> tables() {
        return TABLES.keySet().stream().sorted().toList();
    }

    @ParameterizedTest
    @MethodSource("tables")
    void recordsPostgresqlsTextOfTheHighestWatermark(String table) throws Exception {
        assertRecordedWatermarkIsPostgresqls(table);
    }

    /** An incremental run takes the new highest value from the rows it staged: the same text again. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "wm_tstz|'2030-01-01 00:00:00.000001+05'",
                "wm_ts|'2031-02-03 04:05:06.7'",
                "wm_date|'2032-12-31'",
                "wm_big|99",
                "wm_numeric|2.5",
                "wm_nulls|'2020-05-05 00:00:00+00'"
            })
    void incrementalRunsRecordPostgresqlsTextToo(String spec) throws Exception {
        String[] parts = spec.split("\\|");
        pg.execute("INSERT INTO " + parts[0] + " (wm) VALUES (" + parts[1] + ")");
        var result = sync().run(List.of(TableName.parse(parts[0])), SyncMode.INCREMENTAL, JobContext.none());
        assertThat(result.toString()).contains("mode=incremental");
        assertRecordedWatermarkIsPostgresqls(parts[0]);
    }

    private static void assertRecordedWatermarkIsPostgresqls(String table) throws Exception {
        String expected;
        try (Connection c = pg.connect();
                Statement st = c.createStatement()) {
            st.execute("SET TimeZone = 'UTC'");
            String type;
            try (ResultSet rs = st.executeQuery("SELECT format_type(atttypid, NULL) FROM pg_attribute"
                    + " WHERE attrelid = '" + table + "'::regclass AND attname = 'wm'")) {
                rs.next();
                type = rs.getString(1);
            }
            // infinity and values in the future do not count
            String horizon = switch (type) {
                case "timestamp with time zone" -> "now()";
                case "timestamp without time zone" -> "(now() AT TIME ZONE 'UTC') + interval '14 hours'";
                case "date" -> "((now() AT TIME ZONE 'UTC') + interval '14 hours')::date";
                default -> null;
            };
            try (ResultSet rs = st.executeQuery("SELECT max(wm)"
                    + (horizon == null ? "" : " FILTER (WHERE wm <= " + horizon + ")") + "::text FROM " + table)) {
                rs.next();
                expected = rs.getString(1);
            }
        }
        var state = new SyncStateStore(engine).find(TableName.parse(table)).orElseThrow();
        assertThat(state.status()).isEqualTo("succeeded");
        assertThat(state.watermark()).as(table).isEqualTo(expected);
    }
}
