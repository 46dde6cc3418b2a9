package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSandbox;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryFormatsTest {
    static final String TYPES = "SELECT 9007199254740993::BIGINT AS big, 42 AS small, 12.345::DECIMAL(10,3) AS dec,"
            + " 170141183460469231731687303715884105727::HUGEINT AS huge,"
            + " '6f1c1a0e-0000-4000-8000-000000000001'::UUID AS id, DATE '2024-01-02' AS d,"
            + " TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, '\\xAA\\xBB'::BLOB AS bin, [1, 2, NULL] AS list,"
            + " {'a': 1, 'b': 'x'} AS st, MAP {'k': 1} AS mp, 'NaN'::DOUBLE AS nan, 'Infinity'::DOUBLE AS inf,"
            + " 'a,\"b\"\nc' AS tricky, NULL::VARCHAR AS nothing";

    Path dataDir;
    DuckDbEngine engine;
    QueryRunner runner;
    final ObjectMapper json = JsonMapper.builder().build();

    @BeforeAll
    void open(@TempDir Path dir) {
        dataDir = dir;
        Path db = dir.resolve("analytics.duckdb");
        engine = DuckDbEngine.open(EngineSettings.defaults(db.toString())
                .withThreads(2)
                .withReaders(2, 16)
                .withSandbox(EngineSandbox.of(dir)));
        runner = new QueryRunner(
                engine,
                new QueryGuard(List.of(dir.resolve("exports")), db),
                QueryLimits.defaults(),
                new QueryRecorder(),
                dir.resolve("tmp"));
    }

    @AfterAll
    void close() {
        runner.close();
        engine.close();
    }

    private byte[] run(String sql, QueryFormat format, Integer maxRows) {
        var out = new ByteArrayOutputStream();
        runner.run(new QueryRequest(sql, List.of(), Map.of(), maxRows, Duration.ofSeconds(30)), format, f -> out);
        return out.toByteArray();
    }

    private String runWith(String sql, QueryFormat format, List<Object> params) {
        var out = new ByteArrayOutputStream();
        runner.run(new QueryRequest(sql, params, Map.of(), null, Duration.ofSeconds(30)), format, f -> out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A client reading slowly: each write waits, as a throttled connection's would. */
    private static OutputStream slowClient(java.util.concurrent.atomic.AtomicLong received) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                received.incrementAndGet();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                received.addAndGet(len);
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L);
            }
        };
    }

    @ParameterizedTest
    @EnumSource(
            value = QueryFormat.class,
            names = {"CSV", "NDJSON", "ARROW"})
    void aStreamingResultStopsAtItsTimeoutAndAtACancel(QueryFormat format) throws Exception {
        // DuckDB hands out the next chunk of a streaming result whatever happened to the query: the result ran to
        // its end long after both (100M rows, 4 GB of CSV)
        String sql = "SELECT i, i * 2 AS j FROM range(100000000) t(i)";
        var received = new java.util.concurrent.atomic.AtomicLong();
        long started = System.nanoTime();
        assertThatThrownBy(() -> runner.run(
                        new QueryRequest(sql, List.of(), Map.of(), null, Duration.ofSeconds(2)),
                        format,
                        f -> slowClient(received)))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.TIMEOUT));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        assertThat(received.get()).isPositive();

        RunningQueries.Entry entry = runner.running().register("slow-" + format, null);
        var cancelled = java.util.concurrent.CompletableFuture.runAsync(() -> {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L);
            runner.running().cancel("slow-" + format, null, true);
        });
        try (entry) {
            assertThatThrownBy(() -> runner.run(
                            new QueryRequest(sql, List.of(), Map.of(), null, Duration.ofSeconds(60)),
                            format,
                            f -> slowClient(new java.util.concurrent.atomic.AtomicLong()),
                            entry))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CANCELLED));
        }
        cancelled.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void aParameterThatDecidesTheResultTypesStillGetsDuckDbsTemporalText() {
        // DuckDB types this result only once the parameter is bound (it is range()'s argument)
        String sql = "SELECT '-infinity'::TIMESTAMP AS ts, 'infinity'::DATE AS d, DATE '0044-03-15 (BC)' AS bc,"
                + " TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tz, TIME '24:00:00' AS tm FROM range(?)";
        JsonNode body = json.readTree(runWith(sql, QueryFormat.JSON, List.of(1)));
        assertThat(body.path("rows").get(0).toString())
                .isEqualTo("[\"-infinity\",\"infinity\",\"-0043-03-15\",\"2024-01-02T03:04:05+00:00\",\"24:00:00\"]");
        assertThat(body.path("columns").get(0).path("type").asString()).isEqualTo("TIMESTAMP");
        assertThat(runWith(sql, QueryFormat.CSV, List.of(1)))
                .isEqualTo("ts,d,bc,tz,tm\r\n-infinity,infinity,0044-03-15 (BC),2024-01-02 03:04:05+00,24:00:00\r\n");
        // and with a named parameter
        String named = "SELECT 'infinity'::DATE AS d FROM range($n)";
        var out = new ByteArrayOutputStream();
        runner.run(
                new QueryRequest(named, List.of(), Map.of("n", 1), null, Duration.ofSeconds(30)),
                QueryFormat.JSON,
                f -> out);
        assertThat(json.readTree(out.toByteArray()).path("rows").toString()).isEqualTo("[[\"infinity\"]]");
    }

    @Test
    void csvNumbersDoNotDependOnWhetherADateIsBesideThem() {
        // only the date is cast to DuckDB's text; the numbers keep one form either way
        assertThat(runWith("SELECT 1e21::DOUBLE AS x, 0.5::DECIMAL(3,3) AS y", QueryFormat.CSV, List.of()))
                .isEqualTo("x,y\r\n1.0E21,0.500\r\n");
        assertThat(runWith(
                        "SELECT 1e21::DOUBLE AS x, 0.5::DECIMAL(3,3) AS y, DATE '2024-02-29' AS d",
                        QueryFormat.CSV,
                        List.of()))
                .isEqualTo("x,y,d\r\n1.0E21,0.500,2024-02-29\r\n");
    }

    @Test
    void jsonRendersTypesAsTheContractSays() {
        JsonNode body = json.readTree(run(TYPES, QueryFormat.JSON, null));
        JsonNode row = body.path("rows").get(0);
        assertThat(body.path("queryId").asString()).isNotBlank();
        assertThat(body.path("columns").get(2).path("type").asString()).isEqualTo("DECIMAL(10,3)");
        assertThat(row.get(0).isString()).isTrue();
        assertThat(row.get(0).asString()).isEqualTo("9007199254740993");
        assertThat(row.get(1).isNumber()).isTrue();
        assertThat(row.get(2).asString()).isEqualTo("12.345");
        assertThat(row.get(3).asString()).isEqualTo("170141183460469231731687303715884105727");
        assertThat(row.get(4).asString()).isEqualTo("6f1c1a0e-0000-4000-8000-000000000001");
        assertThat(row.get(5).asString()).isEqualTo("2024-01-02");
        assertThat(row.get(6).asString()).isEqualTo("2024-01-02T03:04:05.123456");
        assertThat(row.get(7).asString()).isEqualTo("qrs=");
        assertThat(row.get(8).toString()).isEqualTo("[1,2,null]");
        assertThat(row.get(9).toString()).isEqualTo("{\"a\":1,\"b\":\"x\"}");
        assertThat(row.get(10).toString()).isEqualTo("{\"k\":1}");
        assertThat(row.get(11).asString()).isEqualTo("NaN");
        assertThat(row.get(12).asString()).isEqualTo("Infinity");
        assertThat(row.get(14).isNull()).isTrue();
        assertThat(body.path("rowCount").asLong()).isEqualTo(1);
        assertThat(body.path("truncated").asBoolean()).isFalse();
    }

    @Test
    void hugeintAndUhugeintAreStringsEvenWhenSmallWhileOtherIntegersStayNumbers() {
        String sql = "SELECT 1::HUGEINT AS h, -2::HUGEINT AS neg, 3::UHUGEINT AS u, 4::UBIGINT AS ub,"
                + " [5::HUGEINT, NULL] AS hl, {'x': 6::HUGEINT} AS hs, 7::BIGINT AS b";
        JsonNode row =
                json.readTree(run(sql, QueryFormat.JSON, null)).path("rows").get(0);
        assertThat(row.toString()).isEqualTo("[\"1\",\"-2\",\"3\",4,[\"5\",null],{\"x\":\"6\"},7]");
        String line = new String(run(sql, QueryFormat.NDJSON, null), StandardCharsets.UTF_8).strip();
        assertThat(json.readTree(line).path("h").isString()).isTrue();
        assertThat(json.readTree(line).path("ub").isNumber()).isTrue();
        // UBIGINT at the same limits as BIGINT: 2^53 a number, 2^53 + 1 a string
        JsonNode limits = json.readTree(run(
                        "SELECT 9007199254740992::UBIGINT AS a, 9007199254740993::UBIGINT AS b,"
                                + " 9007199254740992::BIGINT AS c",
                        QueryFormat.JSON,
                        null))
                .path("rows")
                .get(0);
        assertThat(limits.toString()).isEqualTo("[9007199254740992,\"9007199254740993\",9007199254740992]");
    }

    @Test
    void jsonRendersInfiniteAndBcDatesAsDuckDbDoesAndKeepsTheColumnTypes() {
        JsonNode body = json.readTree(run(
                "SELECT d, ts, tz, d AS \"d\"\"2\" FROM (VALUES"
                        + " (DATE 'infinity', TIMESTAMP '-infinity', TIMESTAMPTZ '2024-01-02 03:04:05.5+02'),"
                        + " (DATE '0044-03-15 (BC)', TIMESTAMP '0044-03-15 (BC) 01:02:03', TIMESTAMPTZ 'infinity'),"
                        + " (DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:00', NULL)) t(d, ts, tz)",
                QueryFormat.JSON,
                null));
        assertThat(body.path("columns").toString())
                .isEqualTo("[{\"name\":\"d\",\"type\":\"DATE\"},{\"name\":\"ts\",\"type\":\"TIMESTAMP\"},"
                        + "{\"name\":\"tz\",\"type\":\"TIMESTAMP WITH TIME ZONE\"},"
                        + "{\"name\":\"d\\\"2\",\"type\":\"DATE\"}]");
        // the offset is the session time zone's (UTC unless set), so only its form is fixed
        assertThat(body.path("rows").get(0).get(2).asString())
                .matches("2024-01-0\\dT\\d\\d:\\d\\d:05\\.5[+-]\\d\\d:\\d\\d");
        ((tools.jackson.databind.node.ArrayNode) body.path("rows").get(0)).set(2, "instant");
        assertThat(body.path("rows").toString())
                .isEqualTo("[[\"infinity\",\"-infinity\",\"instant\",\"infinity\"],"
                        + "[\"-0043-03-15\",\"-0043-03-15T01:02:03\",\"infinity\",\"-0043-03-15\"],"
                        + "[\"2024-02-29\",\"2024-01-02T03:04:00\",null,\"2024-02-29\"]]");
    }

    static java.util.stream.Stream<String> simpleTypeQueries() {
        return java.util.stream.Stream.of(
                "SELECT unnest([true, false, NULL]) AS v",
                "SELECT unnest([-128, 0, 127, NULL])::TINYINT AS v",
                "SELECT unnest([-32768, 32767])::SMALLINT AS v",
                "SELECT unnest([-2147483648, 2147483647])::INTEGER AS v",
                "SELECT unnest([-9223372036854775808, -9007199254740993, -9007199254740992, 0, 9007199254740992,"
                        + " 9007199254740993, 9223372036854775807, NULL])::BIGINT AS v",
                "SELECT 0::UTINYINT AS a, 255::UTINYINT AS b, 65535::USMALLINT AS c, 4294967295::UINTEGER AS d",
                "SELECT unnest(['1.5', '-0.0', '3.4028235e38', '1e-7', 'NaN', 'Infinity', '-Infinity'])::FLOAT AS v",
                "SELECT unnest(['0.1', '-0.0', '1e21', '1e-7', '100', 'NaN', 'Infinity', '-Infinity',"
                        + " '4.9e-324'])::DOUBLE AS v",
                "SELECT unnest(['', 'a/b', 'é😀', chr(9) || chr(10) || chr(13) || chr(8) || chr(12) || '\"\\',"
                        + " chr(1), chr(31), chr(127), chr(8232), NULL]) AS v",
                "SELECT unnest([0.00, -0.05, 0.05, 99.99, -99.99, 1, NULL])::DECIMAL(4,2) AS v",
                "SELECT unnest([-123456789012.345678, 0.000001, -999999999999.999999])::DECIMAL(18,6) AS v",
                "SELECT unnest([-12345, 0, 9999999999])::DECIMAL(10,0) AS v",
                "SELECT unnest(['1234567890123456789012345678.0123456789', '-0.0000000001',"
                        + " '-9999999999999999999999999999.9999999999'])::DECIMAL(38,10) AS v",
                "SELECT unnest([999999999999999999, 1000000000000000000, -1000000000000000000, 9, 10, 99, 100])"
                        + "::BIGINT AS v",
                "SELECT unnest([0.5, -0.5, 10.0, -10.5, 0.000000000000000001, 999999999999999999.0])"
                        + "::DECIMAL(19,1) AS a, 0.000000000000000001::DECIMAL(18,18) AS b",
                // values longer than the writer's buffer (with and without something to escape), and one
                // just at its size, in one result
                "SELECT unnest([repeat('x', 65536), repeat('x', 65537), repeat('ab', 40000),"
                        + " repeat('a\"', 40000), repeat('é', 40000) || chr(10)]) AS v",
                // many buffers of short values, some needing escapes, across the buffer's edges
                "SELECT 'r' || range || CASE WHEN range % 7 = 0 THEN chr(10) || '\"' ELSE '' END AS v,"
                        + " (range * 0.125)::DECIMAL(12,3) - 1000 AS d FROM range(20000)",
                "SELECT range AS \"a \"\"quoted\"\"\nname\", range * 0.5 AS half, 'row-' || range AS label,"
                        + " range % 3 = 0 AS flag, range / 7 AS ratio FROM range(20)");
    }

    /** Both JSON writers over the same query; elapsedMs (a clock reading) set to 0. */
    private String[] bothJson(String sql, boolean ndjson, long maxRows, int batchSize) {
        String[] out = bothWriters(
                sql,
                maxRows,
                () -> new JsonEncoder(ndjson, "q-1", 0),
                allocator -> new VectorJsonEncoder(ndjson, "q-1", 0, allocator, batchSize));
        for (int k = 0; k < 2; k++) {
            out[k] = out[k].replaceAll("\"elapsedMs\":\\d+", "\"elapsedMs\":0");
        }
        return out;
    }

    /** Both CSV writers over the same query. */
    private String[] bothCsv(String sql, long maxRows, int batchSize) {
        return bothWriters(sql, maxRows, CsvEncoder::new, allocator -> new VectorCsvEncoder(allocator, batchSize));
    }

    /** What the value-by-value and the column-wise writer make of the same query's rows. */
    private String[] bothWriters(
            String sql,
            long maxRows,
            java.util.function.Supplier<RowEncoder> valueByValue,
            java.util.function.Function<org.apache.arrow.memory.BufferAllocator, RowEncoder> columnWise) {
        return engine.stream(Duration.ofSeconds(30), session -> {
            String[] out = new String[2];
            try (var allocator = new RootAllocator()) {
                for (int k = 0; k < 2; k++) {
                    var bytes = new ByteArrayOutputStream();
                    try (var ps = session.prepare(sql);
                            ResultSet rs = ps.executeQuery()) {
                        List<ResultColumn> columns = QueryRunner.columns(rs.getMetaData());
                        assertThat(ArrowTextEncoder.supports(columns)).as(sql).isTrue();
                        RowEncoder encoder = k == 0 ? valueByValue.get() : columnWise.apply(allocator);
                        encoder.write(rs, columns, maxRows, bytes);
                    }
                    out[k] = bytes.toString(StandardCharsets.UTF_8);
                }
            }
            return out;
        });
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("simpleTypeQueries")
    void columnWiseJsonWritesTheSameBytesAsValueByValueJson(String sql) {
        for (boolean ndjson : List.of(false, true)) {
            String[] both = bothJson(sql, ndjson, -1, 65536);
            assertThat(both[1]).as(sql).isEqualTo(both[0]);
            json.readTree(ndjson ? both[1].lines().findFirst().orElseThrow() : both[1]);
        }
    }

    @Test
    void columnWiseJsonTruncatesAcrossBatchesLikeValueByValueJson() {
        String sql = "SELECT range AS id, 'x' || range AS s FROM range(10)";
        for (long maxRows : List.of(0L, 3L, 5L, 9L, 10L, 11L)) {
            String[] both = bothJson(sql, false, maxRows, 3);
            assertThat(both[1]).as("maxRows %d", maxRows).isEqualTo(both[0]);
        }
        assertThat(ArrowTextEncoder.supports(List.of(new ResultColumn("t", "TIMESTAMP"))))
                .isFalse();
        assertThat(ArrowTextEncoder.supports(List.of(new ResultColumn("u", "UBIGINT"))))
                .isFalse();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("simpleTypeQueries")
    void columnWiseCsvWritesTheSameBytesAsValueByValueCsv(String sql) {
        String[] both = bothCsv(sql, -1, 65536);
        assertThat(both[1]).as(sql).isEqualTo(both[0]);
    }

    @Test
    void columnWiseCsvTruncatesAcrossBatchesLikeValueByValueCsv() {
        String sql = "SELECT range AS id, CASE WHEN range % 2 = 0 THEN 'x,' || range END AS s, '' AS e FROM range(10)";
        for (long maxRows : List.of(0L, 3L, 5L, 9L, 10L, 11L)) {
            String[] both = bothCsv(sql, maxRows, 3);
            assertThat(both[1]).as("maxRows %d", maxRows).isEqualTo(both[0]);
        }
        assertThat(bothCsv(sql, 3, 3)[1]).isEqualTo("id,s,e\r\n0,\"x,0\",\"\"\r\n1,,\"\"\r\n2,\"x,2\",\"\"\r\n");
    }

    @Test
    void csvWritesDecimalsAsDuckDbDoesNotInScientificNotation() {
        String sql = "SELECT 0::DECIMAL(38,10) AS z, 0.0000001::DECIMAL(18,7) AS t, -0.05::DECIMAL(4,2) AS n";
        String expected = "z,t,n\r\n0.0000000000,0.0000001,-0.05\r\n";
        assertThat(bothCsv(sql, -1, 65536)).containsExactly(expected, expected);
    }

    @Test
    void aRepeatedSmallJsonQueryIsWrittenFromJdbcRowsWithTheSameBytes() {
        // the parameter picks the size, so one text returns a few rows, then many, then a few again
        String sql = "SELECT range AS n, 'v' || range AS label, range * 0.5 AS half FROM range(?::BIGINT)";
        java.util.function.IntFunction<JsonNode> run = rows -> {
            var out = new ByteArrayOutputStream();
            runner.run(
                    new QueryRequest(sql, List.of(rows), Map.of(), 100_000, Duration.ofSeconds(30)),
                    QueryFormat.JSON,
                    f -> out);
            return json.readTree(out.toByteArray());
        };
        JsonNode first = run.apply(3); // unknown size: DuckDB's Arrow export
        assertThat(runner.remembersSmallResult(sql)).isTrue();
        JsonNode second = run.apply(3); // small last time: JDBC's rows
        assertThat(second.path("rows")).isEqualTo(first.path("rows"));
        assertThat(second.path("columns")).isEqualTo(first.path("columns"));
        assertThat(second.path("rows").toString())
                .isEqualTo("[[0,\"v0\",\"0.0\"],[1,\"v1\",\"0.5\"],[2,\"v2\",\"1.0\"]]");

        JsonNode grown = run.apply(50_000); // grown: still complete, and the next run goes back to Arrow
        assertThat(grown.path("rowCount").asLong()).isEqualTo(50_000);
        assertThat(grown.path("rows").get(49_999).toString()).isEqualTo("[49999,\"v49999\",\"24999.5\"]");
        assertThat(runner.remembersSmallResult(sql)).isFalse();
        assertThat(run.apply(50_000).path("rows")).isEqualTo(grown.path("rows"));
    }

    @Test
    void jsonTruncatesAtMaxRows() {
        JsonNode body = json.readTree(run("SELECT range FROM range(20000)", QueryFormat.JSON, null));
        assertThat(body.path("rowCount").asLong()).isEqualTo(10_000);
        assertThat(body.path("truncated").asBoolean()).isTrue();
        JsonNode small = json.readTree(run("SELECT range FROM range(20)", QueryFormat.JSON, 5));
        assertThat(small.path("rows").size()).isEqualTo(5);
    }

    @Test
    void ndjsonWritesOneObjectPerRow() {
        String text = new String(
                run("SELECT range AS n, 'x' || range AS s FROM range(3)", QueryFormat.NDJSON, null),
                StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(json.readTree(lines.get(2)).path("s").asString()).isEqualTo("x2");
    }

    @Test
    void csvRoundTripsThroughDuckDb() throws Exception {
        byte[] csv = run(TYPES, QueryFormat.CSV, null);
        String text = new String(csv, StandardCharsets.UTF_8);
        assertThat(text).startsWith("big,small,dec,huge,id,d,ts,bin,list,st,mp,nan,inf,tricky,nothing\r\n");
        assertThat(text).contains("\"a,\"\"b\"\"\nc\"");
        Files.createDirectories(dataDir.resolve("exports"));
        Path file = dataDir.resolve("exports/types.csv");
        Files.write(file, csv);
        String back = engine.read(Duration.ofSeconds(10), session -> {
            try (Statement st = session.statement();
                    ResultSet rs =
                            st.executeQuery("SELECT big::BIGINT, dec::DECIMAL(10,3), bin::BLOB = '\\xAA\\xBB'::BLOB,"
                                    + " tricky, nothing IS NULL FROM read_csv('" + file + "', all_varchar = true)")) {
                rs.next();
                return rs.getLong(1) + "|" + rs.getBigDecimal(2) + "|" + rs.getBoolean(3) + "|" + rs.getString(4) + "|"
                        + rs.getBoolean(5);
            }
        });
        assertThat(back).isEqualTo("9007199254740993|12.345|true|a,\"b\"\nc|true");
    }

    @Test
    void arrowComesFromDuckDbsExport() throws Exception {
        byte[] arrow = run("SELECT range AS n, range::VARCHAR AS s FROM range(200000)", QueryFormat.ARROW, null);
        long rows = 0;
        long sum = 0;
        try (var allocator = new RootAllocator();
                var reader = new ArrowStreamReader(new ByteArrayInputStream(arrow), allocator)) {
            while (reader.loadNextBatch()) {
                var root = reader.getVectorSchemaRoot();
                var n = (org.apache.arrow.vector.BigIntVector) root.getVector("n");
                for (int i = 0; i < root.getRowCount(); i++) {
                    sum += n.get(i);
                }
                rows += root.getRowCount();
            }
        }
        assertThat(rows).isEqualTo(200_000);
        assertThat(sum).isEqualTo(200_000L * 199_999L / 2);
    }

    @Test
    void aNestedTimeOf24HoursIsRenderedNotAnInternalError() {
        JsonNode row = json.readTree(run(
                        "SELECT [TIME '24:00:00', TIME '01:02:03.5'] AS l, {'t': TIME '24:00:00'} AS s,"
                                + " TIMETZ '12:00:00+05:30' AS tz, [TIMESTAMP '2024-01-01 00:00:00'] AS ts",
                        QueryFormat.JSON,
                        null))
                .path("rows")
                .get(0);
        assertThat(row.get(0).toString()).isEqualTo("[\"24:00:00\",\"01:02:03.5\"]");
        assertThat(row.get(1).toString()).isEqualTo("{\"t\":\"24:00:00\"}");
        assertThat(row.get(2).asString()).isEqualTo("12:00:00+05:30");
        assertThat(row.get(3).size()).isEqualTo(1);
        assertThat(json.readTree(run("SELECT TIMETZ '24:00:00+02' AS tz", QueryFormat.JSON, null))
                        .path("rows")
                        .get(0)
                        .get(0)
                        .asString())
                .isEqualTo("24:00:00+02:00");
    }

    @ParameterizedTest
    @EnumSource(
            value = QueryFormat.class,
            names = {"JSON", "NDJSON", "CSV", "ARROW", "PARQUET"})
    void aTimeNsOf24HoursIsRenderedInEveryFormatNotAnInternalError(QueryFormat format) {
        // TIME_NS runs to 24:00:00 like TIME; the driver's LocalTime cannot hold it (the whole result failed)
        String sql = "SELECT time_ns, [time_ns] AS l FROM test_all_types()";
        byte[] body = run(sql, format, null);
        assertThat(body).isNotEmpty();
        if (format == QueryFormat.JSON) {
            JsonNode rows = json.readTree(body).path("rows");
            assertThat(rows.get(0).get(0).asString()).isEqualTo("00:00:00");
            assertThat(rows.get(1).get(0).asString()).isEqualTo("24:00:00");
            assertThat(rows.get(1).get(1).toString()).isEqualTo("[\"24:00:00\"]");
            assertThat(rows.get(2).get(0).isNull()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // simple columns: written column-wise
                "SELECT i, CASE WHEN i < 1000000 THEN 'ok' ELSE error('broke at ' || i) END AS v FROM range(3000000) t(i)",
                // a LIST column: written value by value through Jackson
                "SELECT i, CASE WHEN i < 1000000 THEN 'ok' ELSE error('broke at ' || i) END AS v, [i] AS l"
                        + " FROM range(3000000) t(i)"
            })
    void aJsonResultThatFailsHalfWayIsLeftUnfinishedNotClosedIntoAShorterOne(String sql) {
        // the failure comes with a late chunk of rows, after the first rows were written
        var out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> runner.run(
                        new QueryRequest(sql, List.of(), Map.of(), 3_000_000, Duration.ofSeconds(30)),
                        QueryFormat.JSON,
                        f -> out))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("broke at");
        String written = out.toString(StandardCharsets.UTF_8);
        assertThat(written).startsWith("{\"queryId\"").contains("[0,\"ok\"");
        // no closing brackets and no rowCount: a client cannot take it for a complete, shorter result
        assertThat(written).doesNotContain("rowCount").doesNotEndWith("}");
        assertThatThrownBy(() -> json.readTree(written)).isInstanceOf(tools.jackson.core.JacksonException.class);
    }

    @ParameterizedTest
    @EnumSource(
            value = QueryFormat.class,
            names = {"JSON", "NDJSON", "CSV", "ARROW"})
    void aClientThatClosedTheConnectionIsAnIoFailureNotAnInternalError(QueryFormat format) {
        OutputStream closed = new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }
        };
        assertThatThrownBy(() -> runner.run(
                        new QueryRequest(
                                "SELECT * FROM duckdb_functions()", List.of(), Map.of(), null, Duration.ofSeconds(30)),
                        format,
                        f -> closed))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.IO))
                .hasMessageContaining("Broken pipe");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "SELECT i, CAST('a' AS ENUM('a', 'b')) AS e FROM range(3000000) t(i)",
                "SELECT i, 'x' || i AS s FROM range(3000000) t(i)"
            })
    void anArrowResultBrokenOffByTheClientLeavesNoArrowMemoryBehind(String sql) {
        // a client that stops reading: the connection fails after the first ~300 KB
        OutputStream leaving = new OutputStream() {
            long written;

            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                written += len;
                if (written > 300_000) {
                    throw new java.io.IOException("Connection reset by peer");
                }
            }
        };
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> runner.run(
                            new QueryRequest(sql, List.of(), Map.of(), null, Duration.ofSeconds(30)),
                            QueryFormat.ARROW,
                            f -> leaving))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.IO));
        }
        assertThat(runner.arrowMemory()).isZero();
    }

    @Test
    void enumLabelsKeepEveryCharacter() {
        String sql = "SELECT x::ENUM('a😀b', 'café', '日本') AS e FROM (VALUES ('a😀b'), ('café')) t(x)";
        for (QueryFormat format : List.of(QueryFormat.JSON, QueryFormat.NDJSON)) {
            assertThat(new String(run(sql, format, null), java.nio.charset.StandardCharsets.UTF_8))
                    .as(format.name())
                    .contains("\"a😀b\"")
                    .contains("\"café\"");
        }
    }

    @Test
    void aRepeatedQuerySeesTheColumnsOfATableChangedSinceItsLastRun() {
        // found by an acceptance tester: after a sync dropped and added columns, the same SELECT * text
        // answered with the old column names over the new values (a reused statement's stale description)
        engine.write(session -> session.statement()
                .execute("CREATE OR REPLACE TABLE reshaped AS SELECT 1 AS id, 'abc' AS v, DATE '2024-01-02' AS day"));
        String sql = "SELECT * FROM reshaped";
        for (int i = 0; i < 4; i++) { // every reader connection keeps the statement
            json.readTree(run(sql, QueryFormat.JSON, null));
        }
        engine.write(session -> session.statement()
                .execute("CREATE OR REPLACE TABLE reshaped AS SELECT 1 AS id, DATE '2024-01-02' AS day,"
                        + " TIMESTAMPTZ '2024-01-02 03:04:05+00' AS changed, 42 AS extra"));
        for (int i = 0; i < 4; i++) {
            JsonNode body = json.readTree(run(sql, QueryFormat.JSON, null));
            assertThat(body.path("columns").findValuesAsString("name"))
                    .containsExactly("id", "day", "changed", "extra");
            assertThat(body.at("/rows/0/1").asString()).isEqualTo("2024-01-02");
            assertThat(body.at("/rows/0/3").asInt()).isEqualTo(42);
        }
    }

    @Test
    void aHugeintBeyondDecimal38InArrowIsAConversionErrorNotATransientOne() {
        // found by an acceptance tester: 503 "likely transient memory pressure; retry" for a permanent error
        assertThatThrownBy(() ->
                        run("SELECT 170141183460469231731687303715884105727::HUGEINT AS h", QueryFormat.ARROW, null))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONVERSION));
    }

    @Test
    void fractionalJsonNumbersAreBoundExactly() {
        // found by an acceptance tester: 12345678901234567.5 had been bound as a double (…568.0)
        List<Object> params = List.of(
                new BigDecimal("12345678901234567.5"),
                new BigDecimal("0.05"),
                new BigDecimal("2.5E+3"),
                new BigDecimal("1E-40"));
        JsonNode body = json.readTree(runWith(
                "SELECT ?::DECIMAL(18,1) AS a, ?::DECIMAL(4,2) AS b, ?::DOUBLE AS c, ?::DOUBLE AS d",
                QueryFormat.JSON,
                params));
        assertThat(body.path("rows").get(0).toString()).isEqualTo("[\"12345678901234567.5\",\"0.05\",2500.0,1.0E-40]");
        for (Object beyond :
                List.<Object>of(new BigDecimal("1E+400"), new BigDecimal("1E-400"), Double.POSITIVE_INFINITY)) {
            assertThatThrownBy(() -> runWith("SELECT ? AS v", QueryFormat.JSON, List.of(beyond)))
                    .as(beyond.toString())
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONVERSION))
                    .hasMessageContaining("parameter 1");
        }
    }

    @Test
    void aListOfEnumIsAJsonArrayOfItsLabels() {
        // found by an acceptance tester: the whole list had been cast to one VARCHAR, "[sad, 'happy, really']"
        JsonNode body = json.readTree(run(
                "SELECT ['sad', 'happy, really', NULL, 'with \"quote\"', 'it''s']::ENUM('sad', 'happy, really',"
                        + " 'with \"quote\"', 'it''s')[] AS moods, {'m': 'sad'::ENUM('sad', 'b'), 't': TIME '24:00:00'} AS s",
                QueryFormat.JSON,
                null));
        assertThat(body.path("rows").get(0).toString())
                .isEqualTo(
                        "[[\"sad\",\"happy, really\",null,\"with \\\"quote\\\"\",\"it's\"],{\"m\":\"sad\",\"t\":\"24:00:00\"}]");
        assertThat(body.path("columns").get(0).path("type").asString()).startsWith("ENUM(");
    }

    @Test
    void namesAndLabelsBeyondTheBmpKeepEveryCharacterInTypesAndValues() throws Exception {
        // found by an acceptance tester: the driver read the type text and a top-level ENUM's labels through
        // JNI's modified UTF-8, so 'x😀y' came out as "xð", the type was cut off, and the cast built from it
        // failed as a SYNTAX error blaming valid SQL
        String sql = "SELECT CAST(x AS ENUM('x😀y', 'b')) AS e, [CAST(x AS ENUM('x😀y', 'b'))] AS l,"
                + " {'k😀': 1, 'd': DATE '2020-01-01', 'e': CAST(x AS ENUM('x😀y', 'b'))} AS s FROM (VALUES ('x😀y')) t(x)";
        JsonNode body = json.readTree(run(sql, QueryFormat.JSON, null));
        assertThat(body.path("columns").get(1).path("type").asString()).isEqualTo("ENUM('x😀y', 'b')[]");
        assertThat(body.path("columns").get(2).path("type").asString())
                .isEqualTo("STRUCT(\"k😀\" INTEGER, d DATE, e ENUM('x😀y', 'b'))");
        // every label intact; a STRUCT with a field name beyond the BMP (which the driver garbles) is DuckDB's text
        assertThat(body.path("rows").get(0).get(0).asString()).isEqualTo("x😀y");
        assertThat(body.path("rows").get(0).get(1).toString()).isEqualTo("[\"x😀y\"]");
        assertThat(body.path("rows").get(0).get(2).asString()).isEqualTo("{'k😀': 1, 'd': 2020-01-01, 'e': x😀y}");
        String csv = new String(run(sql, QueryFormat.CSV, null), StandardCharsets.UTF_8);
        assertThat(csv).isEqualTo("e,l,s\r\nx😀y,[x😀y],\"{'k😀': 1, 'd': 2020-01-01, 'e': x😀y}\"\r\n");
    }

    @Test
    void csvOfListsOfDecimalsIsDuckDbsText() {
        // found by an acceptance tester: DECIMAL(10,2)[] was read as one decimal (500)
        assertThat(new String(
                        run("SELECT [1.5, NULL]::DECIMAL(10,2)[] AS x", QueryFormat.CSV, null), StandardCharsets.UTF_8))
                .isEqualTo("x\r\n\"[1.50, NULL]\"\r\n");
    }

    @Test
    void aNestedTimetzOf24HoursIsDuckDbsTextInJson() {
        // found by an acceptance tester: the driver's OffsetTime cannot hold 24:00 and the query failed (500)
        JsonNode body = json.readTree(run(
                "SELECT [TIMETZ '24:00:00-15:59:59', TIMETZ '12:00:00+05:45'] AS l, {'t': TIMETZ '24:00:00+00'} AS s",
                QueryFormat.JSON,
                null));
        assertThat(body.path("rows").get(0).toString())
                .isEqualTo("[[\"24:00:00-15:59:59\",\"12:00:00+05:45\"],{\"t\":\"24:00:00+00\"}]");
    }

    @Test
    void nestedIntervalsOffsetsAndHugeIntegersKeepTheirValuesInParquet() throws Exception {
        // found by an acceptance tester: only top-level columns were protected; inside a LIST or STRUCT the
        // Parquet writer cut microseconds, failed on negative intervals, dropped offsets and made HUGEINT DOUBLE
        List<String> back = firstParquetRow(
                "SELECT [INTERVAL '1 day 00:00:00.000001', INTERVAL '-1 day'] AS l, {'t': TIMETZ '12:00:00+05:45',"
                        + " 'h': 9007199254740993::HUGEINT} AS s, [9007199254740993::HUGEINT] AS hl",
                "l::INTERVAL[] = [INTERVAL '1 day 00:00:00.000001', INTERVAL '-1 day'], s.t::TIMETZ::VARCHAR,"
                        + " s.h::VARCHAR, hl::VARCHAR, typeof(hl)");
        assertThat(back)
                .containsExactly("true", "12:00:00+05:45", "9007199254740993", "[9007199254740993]", "DECIMAL(38,0)[]");
    }

    @Test
    void nestedOffsetsBitsAndHugeIntegersKeepTheirValuesInArrow() throws Exception {
        // found by an acceptance tester: inside a LIST, TIMETZ lost its offset and BIT went out as DuckDB's
        // internal bytes
        assertThat(firstArrowRow("SELECT [TIMETZ '12:00:00+05:45'] AS tl, [BIT '101'] AS bl,"
                        + " [9007199254740993::HUGEINT] AS hl, INTERVAL '2562047 hours' AS iv"))
                .containsExactly(
                        Map.entry("tl", "[\"12:00:00+05:45\"]"),
                        Map.entry("bl", "[\"101\"]"),
                        Map.entry("hl", "[9007199254740993]"),
                        Map.entry("iv", "P0D PT2562047H"));
    }

    @Test
    void anIntervalArrowCannotHoldIsRefusedNotWrappedAround() {
        // found by an acceptance tester: Arrow's interval holds the time part in int64 nanoseconds; 2562048
        // hours arrived as -2562047 hours
        for (String sql : List.of(
                "SELECT INTERVAL '2562048 hours' AS iv",
                "SELECT INTERVAL '-3000000 hours' AS iv",
                "SELECT [INTERVAL '1 hour', INTERVAL '2562048 hours'] AS l")) {
            assertThatThrownBy(() -> run(sql, QueryFormat.ARROW, null))
                    .as(sql)
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                    .hasMessageContaining("no Arrow form");
        }
        assertThat(run("SELECT []::INTERVAL[] AS l, NULL::INTERVAL AS iv", QueryFormat.ARROW, null))
                .isNotEmpty();
    }

    @Test
    void parquetOfTypesWithQuotedNamesAndLabelsIsWritten() throws Exception {
        // found by an acceptance tester: looking up such types ran a second query on a connection whose result
        // was still open (500)
        List<String> back = firstParquetRow(
                "SELECT [CAST('a' AS ENUM('a', 'it''s'))] AS l, {'Mixed Case': 1} AS s, [NULL] AS n",
                "l::VARCHAR || ' ' || s.\"Mixed Case\"");
        assertThat(back).containsExactly("[a] 1");
    }

    @Test
    void intervalsDeeperThanAListGoToArrowAsText() throws Exception {
        // found by an acceptance tester: beyond ±2,562,047 hours they wrapped around inside a STRUCT or a LIST of
        // LISTs, where the range check does not reach
        assertThat(firstArrowRow("SELECT [[INTERVAL '3000000 hours']] AS ll, {'i': INTERVAL '-3000000 hours'} AS s,"
                        + " '123456789012345678901234567890123456789012345'::BIGNUM AS b"))
                .containsExactly(
                        Map.entry("ll", "[[\"3000000:00:00\"]]"),
                        Map.entry("s", "{\"i\":\"-3000000:00:00\"}"),
                        Map.entry("b", "123456789012345678901234567890123456789012345"));
    }

    /**
     * {@code sql}'s Parquet file written into the exports root and read back with DuckDB: the first row of
     * {@code SELECT select FROM read_parquet(file)}, each column as text.
     */
    private List<String> firstParquetRow(String sql, String select) throws Exception {
        Files.createDirectories(dataDir.resolve("exports"));
        Path file = Files.createTempFile(dataDir.resolve("exports"), "result", ".parquet");
        Files.write(file, run(sql, QueryFormat.PARQUET, null));
        return engine.read(Duration.ofSeconds(10), session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT " + select + " FROM read_parquet('" + file + "')")) {
                rs.next();
                List<String> row = new java.util.ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getString(i));
                }
                return row;
            }
        });
    }

    /** The first row of {@code sql}'s Arrow stream, read with Arrow Java: column name to the value's text. */
    private Map<String, String> firstArrowRow(String sql) throws Exception {
        try (var allocator = new RootAllocator();
                var reader =
                        new ArrowStreamReader(new ByteArrayInputStream(run(sql, QueryFormat.ARROW, null)), allocator)) {
            assertThat(reader.loadNextBatch()).isTrue();
            Map<String, String> row = new java.util.LinkedHashMap<>();
            for (var vector : reader.getVectorSchemaRoot().getFieldVectors()) {
                row.put(vector.getName(), String.valueOf(vector.getObject(0)));
            }
            return row;
        }
    }

    @Test
    void structFieldNamesBeyondTheBmpAreNeverMergedInJson() {
        // found by an acceptance tester: the driver garbled both names to "að", so one value was lost
        JsonNode body = json.readTree(run("SELECT {'a😀': 1, 'a😁': 2} AS s", QueryFormat.JSON, null));
        assertThat(body.path("rows").get(0).get(0).asString()).isEqualTo("{'a😀': 1, 'a😁': 2}");
    }

    @Test
    void listsOfDatesAndTimestampsKeepBcYearsAndInfinitiesInJson() {
        // found by an acceptance tester: 44 BC came out as AD 44, -infinity as a date in the year 290309
        JsonNode row = json.readTree(run(
                        "SELECT [DATE '0044-03-15 (BC)', 'infinity'::DATE, NULL] AS d,"
                                + " [TIMESTAMP '0044-03-15 (BC) 01:02:03', '-infinity'::TIMESTAMP] AS ts,"
                                + " [TIMESTAMPTZ '2024-01-02 03:04:05+00'] AS tz",
                        QueryFormat.JSON,
                        null))
                .path("rows")
                .get(0);
        assertThat(row.get(0).toString()).isEqualTo("[\"-0043-03-15\",\"infinity\",null]");
        assertThat(row.get(1).toString()).isEqualTo("[\"-0043-03-15T01:02:03\",\"-infinity\"]");
        assertThat(row.get(2).get(0).asString()).matches("2024-01-0\\dT\\d\\d:04:05[+-]\\d\\d:\\d\\d");
    }

    @Test
    void anIntegerParameterBeyond38DigitsIsBoundNotNull() {
        // found by an acceptance tester: the driver bound it as NULL, so a filter on it matched nothing
        String out = runWith(
                "SELECT ? > 1e37 AS big",
                QueryFormat.CSV,
                List.of(new java.math.BigInteger("123456789012345678901234567890123456789")));
        assertThat(out).isEqualTo("big\r\ntrue\r\n");
    }

    @Test
    void aParameterThatIsAJsonArrayOrObjectIsRefusedInJsonTerms() {
        for (Object value : List.of(List.of(1, 2), Map.of("a", 1))) {
            assertThatThrownBy(() -> runner.run(
                            new QueryRequest("SELECT ?", List.of(value), Map.of(), null, Duration.ofSeconds(30)),
                            QueryFormat.JSON,
                            f -> new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
                        assertThat(e.getMessage())
                                .startsWith("parameter 1 is a JSON " + (value instanceof List ? "array" : "object"))
                                .doesNotContain("ArrayList", "Map");
                    });
        }
    }

    @Test
    void aConversionErrorOfANamedParameterPointsAtTheClientsText() {
        // $name runs as $index (the driver binds by index): DuckDB's caret and line were under that text, so the
        // error had no position and showed $1; both are the client's now
        for (String sql : List.of(
                "SELECT $first AS a, $value::INTEGER AS b",
                "SELECT 'é' AS a, $a AS x,\n  $value::INTEGER AS b",
                "SELECT DATE '2024-01-01' AS d, $value::INTEGER AS b")) {
            // DuckDB points at the cast, after the parameter
            int bytes = sql.substring(0, sql.indexOf("::INTEGER")).getBytes(StandardCharsets.UTF_8).length;
            Map<String, Object> params = new java.util.HashMap<>(Map.of("value", "abc"));
            if (sql.contains("$first")) {
                params.put("first", 1);
            }
            if (sql.contains("$a ")) {
                params.put("a", 2);
            }
            var out = new ByteArrayOutputStream();
            assertThatThrownBy(() -> runner.run(
                            new QueryRequest(sql, List.of(), params, null, Duration.ofSeconds(30)),
                            QueryFormat.JSON,
                            f -> out))
                    .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo(ErrorClass.CONVERSION);
                        assertThat(e.position()).as(sql).isEqualTo(bytes);
                        String line = sql.contains("\n") ? "  $value::INTEGER AS b" : sql;
                        int number = sql.contains("\n") ? 2 : 1;
                        String label = "LINE " + number + ": ";
                        int column = label.length() + line.indexOf("::INTEGER");
                        assertThat(e.getMessage())
                                .as(sql)
                                .contains(label + line + "\n" + " ".repeat(column) + "^")
                                .doesNotContain("$1", "$2");
                    });
        }
    }

    @Test
    void aConversionErrorCarriesThePositionDuckDbDrawsUnderTheTextInUtf8Bytes() {
        // found by an acceptance tester: after 'ééééé' the position was a character count (26, not 31), so the
        // console marked the wrong token; DuckDB draws the caret in terminal columns (wide characters take two)
        for (String sql : List.of(
                "select 'abc'::int",
                "select 1 as a,\n  'abc'::int as b",
                "SELECT 'ééééé' AS a, 'abc'::int AS b",
                "SELECT 'é' AS a,\n 'ü', 'abc'::int AS b",
                "SELECT '日本語' AS a, 'abc'::int AS b",
                "SELECT 'ｆｕｌｌ' AS a, 'abc'::int AS b",
                "SELECT 'e\u0301' AS a, 'abc'::int AS b",
                // a DATE beside it: the query runs wrapped in a SELECT that renders it as text (DuckDB's caret is
                // on the wrapper's line 2, which is the query's line 1)
                "SELECT DATE '2024-01-01' AS d, 'abc'::int AS b",
                "SELECT '2024-02-30'::DATE AS a")) {
            String cast = sql.contains("::int") ? "::int" : "::DATE";
            int bytes = sql.substring(0, sql.indexOf(cast)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertThatThrownBy(() -> run(sql, QueryFormat.JSON, null))
                    .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo(ErrorClass.CONVERSION);
                        assertThat(e.position()).as(sql).isEqualTo(bytes);
                        // the line named is the query's own, even when it ran wrapped
                        assertThat(e.getMessage()).as(sql).contains("LINE " + (sql.contains("\n") ? "2" : "1") + ": ");
                    });
        }
    }

    @Test
    void anUntypedNullColumnIsOfTypeNull() {
        JsonNode body = json.readTree(run("SELECT NULL AS n", QueryFormat.JSON, null));
        assertThat(body.at("/columns/0/type").asString()).isEqualTo("NULL");
        assertThat(body.at("/rows/0/0").isNull()).isTrue();
    }

    @Test
    void hugeIntegersKeepEveryDigitInParquetAndArrow() throws Exception {
        String sql = "SELECT sum(x) AS s, 340282366920938463463374607431768211455::UHUGEINT AS u"
                + " FROM (VALUES (9007199254740993::BIGINT)) t(x)";
        List<String> back = firstParquetRow(
                sql.replace("340282366920938463463374607431768211455", "34028236692093846346337460743176821145"),
                "typeof(s), s::VARCHAR, u::VARCHAR");
        assertThat(back).containsExactly("DECIMAL(38,0)", "9007199254740993", "34028236692093846346337460743176821145");
        // a value of 39 digits does not fit DECIMAL(38,0): refused, not changed
        assertThatThrownBy(() -> run(sql, QueryFormat.PARQUET, null))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONVERSION));
    }

    @Test
    void parquetIsOneFileReadableByDuckDbAndTheTempFileIsGone() throws Exception {
        byte[] parquet = run("SELECT range AS n, 'v' || range AS s FROM range(1000)", QueryFormat.PARQUET, null);
        assertThat(new String(parquet, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("PAR1");
        Files.createDirectories(dataDir.resolve("exports"));
        Path file = dataDir.resolve("exports/back.parquet");
        Files.write(file, parquet);
        long sum = engine.read(Duration.ofSeconds(10), session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT sum(n) FROM read_parquet('" + file + "')")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(sum).isEqualTo(1000L * 999 / 2);
        try (var left = Files.list(dataDir.resolve("tmp"))) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Test
    void recordsMetricsWithPeakMemoryFromTheProfile() {
        run("SELECT sum(range) FROM range(100000)", QueryFormat.JSON, null);
        QueryRecord last = runner.recorder().recent(null, 1).getFirst();
        assertThat(last.normalizedSql()).isEqualTo("SELECT sum(range) FROM range(?)");
        assertThat(last.peakMemoryBytes()).isNotNull().isPositive();
        assertThat(runner.recorder().stats().totalQueries()).isPositive();
    }
}
