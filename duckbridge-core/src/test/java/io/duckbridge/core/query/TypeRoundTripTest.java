package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSandbox;
import io.duckbridge.core.engine.EngineSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every DuckDB type of the sync's mapping table (docs/type-mapping.md), with edge values and NULL, streamed
 * in every format and read back — CSV and Parquet by DuckDB, Arrow by Arrow Java (then handed to DuckDB),
 * JSON and NDJSON parsed by Jackson and each value cast back to the column's type — and compared with the
 * original rows inside DuckDB, so equality is DuckDB's own.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TypeRoundTripTest {
    /** DuckDB type → three values (SQL literals); a fourth row holds NULL. */
    static final Map<String, List<String>> VALUES = new java.util.LinkedHashMap<>();

    static {
        VALUES.put("SMALLINT", List.of("-32768", "32767", "0"));
        VALUES.put("INTEGER", List.of("-2147483648", "2147483647", "42"));
        VALUES.put("BIGINT", List.of("-9223372036854775808", "9007199254740993", "9007199254740992"));
        VALUES.put("FLOAT", List.of("'NaN'", "'-Infinity'", "-1.5e-7"));
        VALUES.put("DOUBLE", List.of("'Infinity'", "0.1", "-4.9e-324"));
        VALUES.put("DECIMAL(12,2)", List.of("-1234567890.12", "0.05", "0"));
        VALUES.put("DECIMAL(38,9)", List.of("'12345678901234567890123456789.123456789'", "'-0.000000001'", "1"));
        VALUES.put("DECIMAL(19,2)", List.of("'12345678901234567.89'", "-0.01", "'-99999999999999999.99'"));
        VALUES.put("VARCHAR", List.of("'a,\"b\"' || chr(10) || 'c'", "'é😀 '", "''"));
        VALUES.put("BLOB", List.of("'\\xAA\\x00\\xFF'", "''", "'a,\\x22b'"));
        VALUES.put("BOOLEAN", List.of("true", "false", "true"));
        VALUES.put("DATE", List.of("'2024-02-29'", "'0044-03-15 (BC)'", "'infinity'"));
        VALUES.put("TIMESTAMP", List.of("'2024-01-02 03:04:05.123456'", "'1969-12-31 23:59:59.999999'", "'-infinity'"));
        VALUES.put("TIMESTAMPTZ", List.of("'2024-01-02 03:04:05.123456+02'", "'1900-01-01 00:00:00+00'", "'infinity'"));
        VALUES.put("TIME", List.of("'23:59:59.999999'", "'00:00:00'", "'24:00:00'"));
        VALUES.put("TIMETZ", List.of("'03:04:05.5+05:30'", "'00:00:00-08'", "'23:59:59+00'", "'24:00:00+02'"));
        VALUES.put(
                "INTERVAL",
                List.of(
                        "INTERVAL '1 year 2 months 3 days 04:05:06.000007'",
                        "INTERVAL '-1 day'",
                        "INTERVAL '0 seconds'"));
        VALUES.put(
                "UUID",
                List.of(
                        "'6f1c1a0e-0000-4000-8000-000000000001'",
                        "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
                        "'00000000-0000-0000-0000-000000000000'"));
        VALUES.put("JSON", List.of("'{\"a\": [1, 2.5, null], \"b\": \"x\"}'", "'[]'", "'\"text\"'"));
        VALUES.put("INTEGER[]", List.of("[1, NULL, 3]", "[]", "[-2147483648]"));
        VALUES.put("INTEGER[][]", List.of("[[1, 2], [], NULL]", "[]", "[[NULL]]"));
        VALUES.put("VARCHAR[]", List.of("['a,b', NULL, '\"q\"']", "[]", "['']"));
        VALUES.put("mood", List.of("'happy'", "'sad'", "'ok'"));
        VALUES.put(
                "STRUCT(f INTEGER, g VARCHAR)",
                List.of("{'f': 1, 'g': 'x'}", "{'f': NULL, 'g': 'a,\"b\"'}", "NULL::STRUCT(f INTEGER, g VARCHAR)"));
        VALUES.put("BIT", List.of("'0101'", "'1'", "'111100001111000011'"));
    }

    static final String ENUM = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')";

    /**
     * Pairs that do not round-trip yet, with the reason; docs/query.md lists them. The test fails when one
     * starts to work, so this list (and the doc) cannot go stale.
     */
    static final Map<String, String> KNOWN_GAPS = Map.of();

    Path dir;
    DuckDbEngine engine;
    QueryRunner runner;
    Connection check;
    BufferAllocator allocator;
    final ObjectMapper json = JsonMapper.builder().build();

    static String createTable() {
        List<String> rows = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            List<String> cells = new ArrayList<>();
            cells.add(Integer.toString(r));
            int k = 0;
            for (var e : VALUES.entrySet()) {
                String literal = r < 3 ? e.getValue().get(r) : "NULL";
                cells.add("CAST(" + literal + " AS " + e.getKey() + ") AS c" + k++);
            }
            rows.add("SELECT " + String.join(", ", cells).replaceFirst("^(\\d+)", "$1 AS i"));
        }
        return "CREATE TABLE typed AS " + String.join(" UNION ALL ", rows);
    }

    static Stream<String> types() {
        return VALUES.keySet().stream();
    }

    @BeforeAll
    void open(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Path db = dir.resolve("analytics.duckdb");
        engine = DuckDbEngine.open(EngineSettings.defaults(db.toString())
                .withThreads(2)
                .withReaders(2, 16)
                .withSandbox(EngineSandbox.of(dir)));
        engine.executeOnLane(ENUM);
        engine.executeOnLane(createTable());
        runner = new QueryRunner(
                engine,
                new QueryGuard(List.of(dir.resolve("exports")), db),
                QueryLimits.defaults(),
                new QueryRecorder(),
                dir.resolve("tmp"));
        check = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement st = check.createStatement()) {
            st.execute(ENUM);
            st.execute(createTable());
        }
        allocator = new RootAllocator();
    }

    @AfterAll
    void close() throws Exception {
        check.close();
        allocator.close();
        runner.close();
        engine.close();
    }

    private byte[] run(String sql, QueryFormat format) {
        var out = new ByteArrayOutputStream();
        runner.run(new QueryRequest(sql, List.of(), Map.of(), null, Duration.ofSeconds(60)), format, f -> out);
        return out.toByteArray();
    }

    @ParameterizedTest
    @MethodSource("types")
    void everyFormatRoundTripsTheType(String type) throws Exception {
        String column = "c" + new ArrayList<>(VALUES.keySet()).indexOf(type);
        String sql = "SELECT i, " + column + " AS v FROM typed ORDER BY i";
        List<String> problems = new ArrayList<>();
        for (QueryFormat format : QueryFormat.values()) {
            try {
                String back = readBack(format, run(sql, format), type);
                long differing = count(
                        "SELECT count(*) FROM ((SELECT i, " + column + " AS v FROM typed EXCEPT ALL SELECT i, v FROM "
                                + back + ") UNION ALL (SELECT i, v FROM " + back + " EXCEPT ALL SELECT i, " + column
                                + " AS v FROM typed))");
                if (differing != 0) {
                    problems.add(format + ": " + differing + " rows differ; original "
                            + rows("SELECT i, " + column + "::VARCHAR FROM typed ORDER BY i") + " read back "
                            + rows("SELECT i, v::VARCHAR FROM " + back + " ORDER BY i"));
                }
            } catch (Exception | AssertionError e) {
                problems.add(format + ": " + e);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (QueryFormat format : QueryFormat.values()) {
            String key = type + "/" + format;
            boolean failed = problems.stream().anyMatch(p -> p.startsWith(format + ":"));
            if (KNOWN_GAPS.containsKey(key) && !failed) {
                unexpected.add(key + " round-trips now: remove it from KNOWN_GAPS and docs/query.md");
            }
            if (!KNOWN_GAPS.containsKey(key) && failed) {
                problems.stream().filter(p -> p.startsWith(format + ":")).forEach(unexpected::add);
            }
        }
        assertThat(unexpected).as(type).isEmpty();
    }

    /** Loads the bytes of {@code format} into a table of {@code check} with columns i and v (of {@code type}). */
    private String readBack(QueryFormat format, byte[] body, String type) throws Exception {
        String table = "back_" + format.name().toLowerCase(java.util.Locale.ROOT);
        exec("DROP TABLE IF EXISTS " + table);
        Path file = Files.createTempFile(dir, "body", "." + format.name().toLowerCase(java.util.Locale.ROOT));
        Files.write(file, body);
        String path = "'" + file.toString().replace("'", "''") + "'";
        switch (format) {
            case CSV ->
                exec("CREATE TABLE " + table + " AS SELECT i, v FROM read_csv(" + path
                        + ", header = true, columns = {'i': 'INTEGER', 'v': 'VARCHAR'},"
                        + " allow_quoted_nulls = false)"); // "" is an empty string, an empty field NULL
            case PARQUET -> exec("CREATE TABLE " + table + " AS SELECT i, v FROM read_parquet(" + path + ")");
            case ARROW -> {
                try (var reader = new ArrowStreamReader(new ByteArrayInputStream(body), allocator);
                        var stream = ArrowArrayStream.allocateNew(allocator)) {
                    Data.exportArrayStream(allocator, reader, stream);
                    check.unwrap(DuckDBConnection.class).registerArrowStream("arrow_body", stream);
                    exec("CREATE TABLE " + table + " AS SELECT i, v FROM arrow_body");
                }
            }
            case JSON, NDJSON -> {
                List<JsonNode> rows = new ArrayList<>();
                if (format == QueryFormat.JSON) {
                    json.readTree(body)
                            .path("rows")
                            .forEach(r -> rows.add(
                                    json.createArrayNode().add(r.get(0)).add(r.get(1))));
                } else {
                    for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
                        JsonNode o = json.readTree(line);
                        rows.add(json.createArrayNode().add(o.get("i")).add(o.get("v")));
                    }
                }
                exec("CREATE TABLE " + table + "_text (i INTEGER, v VARCHAR)");
                try (PreparedStatement ps = check.prepareStatement("INSERT INTO " + table + "_text VALUES (?, ?)")) {
                    for (JsonNode r : rows) {
                        ps.setInt(1, r.get(0).asInt());
                        JsonNode v = r.get(1);
                        ps.setString(2, v.isNull() ? null : v.isString() ? v.asString() : v.toString());
                        ps.executeUpdate();
                    }
                }
                // the contract's renderings, cast back: BLOB is base64, LIST/STRUCT are JSON, the rest DuckDB text
                String value = type.equals("BLOB")
                        ? "from_base64(v)"
                        : type.endsWith("]") || type.startsWith("STRUCT")
                                ? "CAST(v::JSON AS " + type + ")"
                                : type.equals("TIMETZ") ? "regexp_replace(v, 'Z$', '+00:00')" : "v";
                exec("CREATE TABLE " + table + " AS SELECT i, " + value + " AS v FROM " + table + "_text");
                exec("DROP TABLE " + table + "_text");
            }
        }
        // every reader gives back the column's own type (CSV and JSON text, Parquet's and Arrow's physical types)
        exec("CREATE OR REPLACE TABLE " + table + " AS SELECT i, CAST(v AS " + type + ") AS v FROM " + table);
        return table;
    }

    private void exec(String sql) throws Exception {
        try (Statement st = check.createStatement()) {
            st.execute(sql);
        }
    }

    private long count(String sql) throws Exception {
        try (Statement st = check.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<String> rows(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement st = check.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1) + "=" + rs.getString(2));
            }
        }
        return out;
    }
}
