package io.duckbridge.spring.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.query.QueryAdmission;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=1GB",
            "DUCKDB_THREADS=2",
            "duckbridge.query.max-concurrent=1",
            "duckbridge.query.max-queued=0"
        })
class QueryApiIT {
    // created here, not by @TempDir: with one test instance per class, Spring starts before JUnit injects
    static final Path dataDir = newDataDir();

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @Autowired
    QueryAdmission admission;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    static Path newDataDir() {
        try {
            return Files.createTempDirectory("duckbridge-query-it");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeAll
    void tables() throws IOException {
        Files.createDirectories(dataDir.resolve("exports"));
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE IF NOT EXISTS orders AS SELECT range AS id, range % 7 AS customer,"
                        + " (range * 1.5)::DECIMAL(12,2) AS amount, DATE '2024-01-01' + (range % 30)::INT AS day"
                        + " FROM range(1000)");
                st.execute("CREATE TABLE IF NOT EXISTS customers AS SELECT range AS id, 'c' || range AS name"
                        + " FROM range(7)");
                st.execute("CREATE SEQUENCE IF NOT EXISTS seq");
            }
            return null;
        });
        engine.executeOnLane("COPY orders TO '" + dataDir.resolve("exports/orders.parquet") + "' (FORMAT parquet)");
        engine.checkpoint();
    }

    private HttpResponse<String> query(String sql, String... headers) {
        String body = JsonMapper.shared().writeValueAsString(Map.of("sql", sql));
        return Http.localhost(port).post("/api/v1/query", body, headers);
    }

    private HttpResponse<byte[]> queryBytes(String json, String accept) throws Exception {
        return CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/query"))
                        .header("Content-Type", "application/json")
                        .header("Accept", accept)
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static Stream<String> attacks() {
        return Stream.of(
                "DROP TABLE orders",
                "DELETE FROM orders",
                "UPDATE orders SET amount = 0",
                "INSERT INTO orders SELECT * FROM orders",
                "TRUNCATE orders",
                "CREATE TABLE x AS SELECT 1",
                "CREATE TEMP VIEW orders AS SELECT 1 AS id",
                "ALTER TABLE orders ADD COLUMN x INT",
                "SELECT 1; DROP TABLE orders",
                "SELECT 1; SELECT 2",
                "/* c */ DELETE FROM orders",
                "-- c\nDELETE FROM orders",
                "  SeLeCt 1 ;\n dElEtE fRoM orders",
                "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d",
                "WITH i AS (INSERT INTO customers VALUES (99, 'x') RETURNING *) SELECT * FROM i",
                "WITH c AS (COPY orders TO '/tmp/duckbridge-http-leak.csv') SELECT 1",
                "SELECT * FROM read_csv('/etc/passwd')",
                "SELECT * FROM '/etc/passwd'",
                "SELECT * FROM read_text('/etc/hostname')",
                "SELECT * FROM read_blob('{data}/analytics.duckdb')",
                "SELECT * FROM read_text('{data}/exports/../analytics.duckdb.wal')",
                "SELECT * FROM glob('/etc/*')",
                "SELECT getenv('HOME')",
                "SELECT * FROM duckdb_secrets()",
                "SELECT current_setting('memory_limit')",
                "SELECT * FROM query('DROP TABLE orders')",
                "SELECT nextval('seq')",
                "ATTACH '/tmp/other.duckdb' AS other",
                "DETACH analytics",
                "USE memory",
                "COPY orders TO '/tmp/orders.csv'",
                "EXPORT DATABASE '/tmp/export'",
                "INSTALL httpfs",
                "LOAD httpfs",
                "SET enable_external_access = true",
                "RESET memory_limit",
                "SET VARIABLE x = 1",
                "PRAGMA enable_profiling",
                "CALL checkpoint()",
                "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
                "CHECKPOINT",
                "VACUUM",
                "BEGIN TRANSACTION",
                "COMMIT",
                "EXPLAIN ANALYZE DELETE FROM orders",
                "PREPARE p AS DELETE FROM orders",
                "SELECT * FROM destroy_external_resource('json_execute_serialized_sql', json_serialize_sql('WITH d AS"
                        + " (DELETE FROM orders WHERE id = 1 RETURNING *) SELECT 1'))",
                "SELECT * FROM destroy_external_resource('json_execute_serialized_sql', json_serialize_sql('WITH c AS"
                        + " (COPY orders TO ''{data}/exports/pwned.csv'') SELECT 1'))",
                "SELECT * FROM destroy_external_resource('checkpoint', 'analytics')",
                "SELECT * FROM read_single_csv_file('/etc/passwd')",
                "SELECT * FROM \"{data}/analytics\".duckdb",
                "SELECT * FROM pg_catalog.pg_settings");
    }

    @Test
    void attackCorpusIsRejectedOverHttpAndNothingChanges() throws Exception {
        Map<String, String> before = checksums();
        List<String> filesBefore = listing();
        List<String> notRejected = new ArrayList<>();
        for (String template : attacks().toList()) {
            String sql = template.replace("{data}", dataDir.toString());
            var response = query(sql);
            JsonNode problem = Http.json(response);
            if (response.statusCode() != 400
                    || !"READ_ONLY_VIOLATION".equals(problem.path("errorClass").asString())
                    || !response.headers()
                            .firstValue("Content-Type")
                            .orElse("")
                            .startsWith("application/problem+json")) {
                notRejected.add(sql + " -> " + response.statusCode() + " " + response.body());
            }
        }
        assertThat(notRejected).isEmpty();
        assertThat(attacks().count()).isGreaterThanOrEqualTo(40);
        assertThat(checksums()).isEqualTo(before);
        assertThat(listing()).isEqualTo(filesBefore);
        assertThat(Path.of("/tmp/duckbridge-http-leak.csv")).doesNotExist();
    }

    @Test
    void anOversizedBodyIsRefusedBeforeItIsRead() throws Exception {
        String sql = "SELECT 1 IN (" + "0,".repeat(1_500_000) + "1)";
        var response = query(sql);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Http.json(response).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
        assertThat(Http.json(response).path("detail").asString()).contains("at most");
        assertThat(query("SELECT 42 AS answer").statusCode()).isEqualTo(200);
        // the other endpoints that take SQL refuse such a body before binding it
        var explain = Http.localhost(port)
                .post("/api/v1/query/explain", JsonMapper.shared().writeValueAsString(Map.of("sql", sql)));
        assertThat(explain.statusCode()).isEqualTo(400);
        assertThat(Http.json(explain).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
        // a chunked body (no Content-Length) is cut off at the same limit while it is read
        for (String path : List.of("/api/v1/query/explain", "/api/v1/query")) {
            byte[] body = JsonMapper.shared().writeValueAsBytes(Map.of("sql", sql));
            var chunked = CLIENT.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofInputStream(
                                    () -> new java.io.ByteArrayInputStream(body)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(chunked.statusCode()).as(path + " " + chunked.body()).isEqualTo(400);
            assertThat(Http.json(chunked).path("errorClass").asString())
                    .as(path)
                    .isEqualTo("INVALID_REQUEST");
        }
    }

    @Test
    void legitimateAnalyticalSqlRuns() {
        for (String sql : List.of(
                "SELECT customer, sum(amount) OVER (PARTITION BY customer ORDER BY id) FROM orders",
                "WITH big AS (SELECT * FROM orders WHERE amount > 100) SELECT count(*) FROM big",
                "SELECT unnest([1, 2, 3]) AS x",
                "SELECT count(*) FROM read_parquet('" + dataDir.resolve("exports/orders.parquet") + "')",
                "PIVOT orders ON customer IN (0, 1) USING count(*) GROUP BY day",
                "SELECT id FROM orders QUALIFY row_number() OVER (PARTITION BY customer ORDER BY id) = 1")) {
            var response = query(sql);
            assertThat(response.statusCode()).as(sql + " -> " + response.body()).isEqualTo(200);
            assertThat(Http.json(response).path("rowCount").asLong()).as(sql).isPositive();
        }
    }

    @Test
    void jsonBodyHasTheContractShape() {
        var response =
                query("SELECT 9007199254740993::BIGINT AS big, 1.5::DECIMAL(4,2) AS d, DATE '2024-01-02' AS day");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = Http.json(response);
        assertThat(body.path("queryId").asString()).isNotBlank();
        assertThat(body.path("columns").get(0).path("name").asString()).isEqualTo("big");
        assertThat(body.path("columns").get(0).path("type").asString()).isEqualTo("BIGINT");
        assertThat(body.path("rows").get(0).toString()).isEqualTo("[\"9007199254740993\",\"1.50\",\"2024-01-02\"]");
        assertThat(body.path("rowCount").asLong()).isEqualTo(1);
        assertThat(body.path("truncated").asBoolean()).isFalse();
        assertThat(body.has("elapsedMs")).isTrue();
    }

    @Test
    void acceptPicksTheFormat() throws Exception {
        String json = "{\"sql\":\"SELECT range AS n FROM range(5000)\"}";
        var csv = queryBytes(json, "text/csv");
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(new String(csv.body()).lines().count()).isEqualTo(5001);
        var ndjson = queryBytes(json, "application/x-ndjson");
        assertThat(new String(ndjson.body()).lines().count()).isEqualTo(5000);
        var parquet = queryBytes(json, "application/vnd.apache.parquet");
        assertThat(new String(parquet.body(), 0, 4)).isEqualTo("PAR1");
        var arrow = queryBytes(json, "application/vnd.apache.arrow.stream");
        assertThat(arrow.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/vnd.apache.arrow.stream");
        long rows = 0;
        try (var allocator = new RootAllocator();
                var reader = new ArrowStreamReader(new ByteArrayInputStream(arrow.body()), allocator)) {
            while (reader.loadNextBatch()) {
                rows += reader.getVectorSchemaRoot().getRowCount();
            }
        }
        assertThat(rows).isEqualTo(5000);
        assertThat(queryBytes(json, "image/png").statusCode()).isEqualTo(400);
    }

    @Test
    void requestsTheQueryEndpointCannotServeAreProblems() throws Exception {
        var get = Http.localhost(port).get("/api/v1/query");
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(Http.json(get).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");

        var text = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/query"))
                        .header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString("SELECT 1"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(text.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(Http.json(text).path("detail").asString()).contains("text/plain", "application/json");

        for (String body : List.of("{\"sql\":", "[\"SELECT 1\"]", "", "{\"sql\":42}")) {
            var bad = Http.localhost(port).post("/api/v1/query", body);
            assertThat(bad.statusCode()).as(body).isEqualTo(400);
            JsonNode problem = Http.json(bad);
            assertThat(problem.path("errorClass").asString()).as(body).isEqualTo("INVALID_REQUEST");
            assertThat(problem.path("detail").asString()).as(body).contains("sql");
            assertThat(problem.path("instance").asString()).isEqualTo("/api/v1/query");
        }
        // the request is observed under its path, as Spring MVC's endpoints are
        assertThat(meters.find("http.server.requests")
                        .tags("uri", "/api/v1/query", "status", "415")
                        .timer())
                .isNotNull();
    }

    @Test
    void aFailureAfterTheFirstBytesBreaksTheResponseInsteadOfEndingIt() throws Exception {
        // rows stream out until DuckDB fails far into the result: the status (200) is gone by then, so the
        // body must not end as if it were complete
        String json = "{\"sql\":\"SELECT CASE WHEN i = 1500000 THEN error('boom at ' || i) ELSE i END AS n"
                + " FROM range(2000000) t(i)\"}";
        HttpResponse<java.io.InputStream> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/query"))
                        .header("Content-Type", "application/json")
                        .header("Accept", "text/csv")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        long lines = 0;
        IOException broken = null;
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(response.body()))) {
            while (reader.readLine() != null) {
                lines++;
            }
        } catch (IOException e) {
            broken = e;
        }
        assertThat(broken).as("reading the body after " + lines + " lines").isNotNull();
        assertThat(lines).isLessThan(1_500_001);
        // the service is fine afterwards
        assertThat(query("SELECT 1").statusCode()).isEqualTo(200);
    }

    @Test
    void syntaxErrorsAreProblemsWithPosition() {
        var response = query("SELECT * FROM orders WHER id = 1");
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode problem = Http.json(response);
        assertThat(problem.path("errorClass").asString()).isEqualTo("SYNTAX");
        assertThat(problem.path("position").isNumber()).isTrue();
        var binder = query("SELECT nope FROM orders");
        assertThat(binder.statusCode()).isEqualTo(400);
        assertThat(Http.json(binder).path("errorClass").asString()).isEqualTo("BINDER");
        // DuckDB's position of the unknown column, table and function (zero-based offsets into the text)
        assertThat(Http.json(binder).path("position").asInt()).isEqualTo(7);
        assertThat(Http.json(query("SELECT id FROM no_such_table"))
                        .path("position")
                        .asInt())
                .isEqualTo(15);
        var function = query("SELECT\n  id,\n  lenn(id) FROM orders");
        assertThat(Http.json(function).path("errorClass").asString()).isEqualTo("BINDER");
        assertThat(Http.json(function).path("position").asInt()).isEqualTo(15);
    }

    @Test
    void parametersAreBoundNotSpliced() {
        var positional = Http.localhost(port)
                .post(
                        "/api/v1/query",
                        "{\"sql\":\"SELECT count(*) AS n FROM customers WHERE name = ? OR name = ?\","
                                + "\"params\":[\"c1\",\"x' OR '1'='1\"]}");
        assertThat(Http.json(positional).path("rows").toString()).isEqualTo("[[1]]");
        var named = Http.localhost(port)
                .post(
                        "/api/v1/query",
                        "{\"sql\":\"SELECT count(*) FROM orders WHERE customer = $c AND id < $max\","
                                + "\"params\":{\"c\":3,\"max\":100}}");
        assertThat(Http.json(named).path("rows").toString()).isEqualTo("[[14]]");
    }

    @Test
    void timeoutCancelsTheQueryWith408() {
        var response = Http.localhost(port)
                .post("/api/v1/query", "{\"sql\":\"SELECT count(*) FROM range(1000000000000) a\",\"timeoutMs\":500}");
        assertThat(response.statusCode()).isEqualTo(408);
        assertThat(Http.json(response).path("errorClass").asString()).isEqualTo("TIMEOUT");
        assertThat(Http.json(response).path("detail").asString())
                .isEqualTo("the query ran longer than its timeout of 500 ms and was cancelled");
    }

    @Test
    void beyondTheConcurrencyLimitAnswers429WithRetryAfter() throws Exception {
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> Http.localhost(port)
                .post("/api/v1/query", "{\"sql\":\"SELECT count(*) FROM range(1000000000000) a\",\"timeoutMs\":4000}"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (admission.running() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        var rejected = query("SELECT 1");
        assertThat(rejected.statusCode()).isEqualTo(429);
        assertThat(rejected.headers().firstValue("Retry-After")).isPresent();
        assertThat(Http.json(rejected).path("errorClass").asString()).isEqualTo("OVERLOADED");
        assertThat(slow.get().statusCode()).isEqualTo(408);
    }

    @Test
    void misspeltOrOutOfRangeFieldsAreRefusedNotIgnored() {
        for (String[] call : List.of(
                new String[] {"/api/v1/query", "{\"sql\":\"SELECT 1\",\"timeout\":100}", "\"timeout\""},
                new String[] {"/api/v1/query/explain", "{\"sql\":\"SELECT 1\",\"analyze\":\"yes\"}", "analyze"},
                new String[] {"/api/v1/tables/orders/rows", "{\"colums\":[\"id\"]}", "\"colums\""})) {
            var response = Http.localhost(port).post(call[0], call[1]);
            assertThat(response.statusCode()).as(call[1]).isEqualTo(400);
            assertThat(Http.json(response).path("errorClass").asString()).isEqualTo("INVALID_REQUEST");
            assertThat(Http.json(response).path("detail").asString())
                    .as(call[1])
                    .contains(call[2]);
        }
        assertThat(Http.localhost(port).get("/api/v1/queries/recent?limit=-1").statusCode())
                .isEqualTo(400);
    }

    @Test
    void everyFormatNamesItsQueryIdInAHeader() throws IOException {
        RawResponse csv = rawPost("{\"sql\": \"SELECT * FROM range(3)\"}", "text/csv");
        JsonNode recent = Http.json(Http.localhost(port).get("/api/v1/queries/recent?limit=1"))
                .get(0);
        assertThat(csv.headers())
                .containsEntry("x-duckbridge-query-id", recent.path("queryId").asString());
    }

    @Test
    void theBuildersDefaultLimitSaysWhenItCutTheResult() {
        var cut = Http.localhost(port).post("/api/v1/tables/orders/rows", "{\"columns\":[\"id\"]}");
        assertThat(cut.statusCode()).as(cut.body()).isEqualTo(200);
        assertThat(Http.json(cut).path("rowCount").asInt()).isEqualTo(100);
        assertThat(Http.json(cut).path("truncated").asBoolean()).isTrue();
        var whole = Http.localhost(port)
                .post("/api/v1/tables/orders/rows", "{\"columns\":[\"id\"],\"filters\":{\"id\":[1,2]},\"limit\":2}");
        assertThat(Http.json(whole).path("rowCount").asInt()).isEqualTo(2);
        assertThat(Http.json(whole).path("truncated").asBoolean()).isFalse();
    }

    @Test
    void safeQueryBuilderChecksNamesAndBindsValues() {
        var ok = Http.localhost(port)
                .post(
                        "/api/v1/tables/orders/rows",
                        "{\"columns\":[\"id\",\"customer\"],\"filters\":{\"customer\":[1,2],"
                                + "\"id\":{\"op\":\"<\",\"value\":10}},\"orderBy\":[\"id desc\"],\"limit\":2}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(Http.json(ok).path("rows").toString()).isEqualTo("[[9,2],[8,1]]");
        var injected = Http.localhost(port)
                .post("/api/v1/tables/customers/rows", "{\"filters\":{\"name\":\"c1' OR '1'='1\"}}");
        assertThat(Http.json(injected).path("rowCount").asInt()).isZero();
        var badColumn =
                Http.localhost(port).post("/api/v1/tables/orders/rows", "{\"columns\":[\"id; DROP TABLE orders --\"]}");
        assertThat(badColumn.statusCode()).isEqualTo(400);
        assertThat(Http.json(badColumn).path("errorClass").asString()).isEqualTo("BINDER");
        assertThat(Http.json(badColumn).path("detail").asString()).contains("id; DROP TABLE orders --");
        var badTable = Http.localhost(port).post("/api/v1/tables/nope/rows", "{}");
        assertThat(badTable.statusCode()).isEqualTo(400);
        assertThat(Http.json(badTable).path("errorClass").asString()).isEqualTo("BINDER");
        var badLimit = Http.localhost(port).post("/api/v1/tables/orders/rows", "{\"limit\":\"10; DROP TABLE orders\"}");
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertThat(Http.json(badLimit).path("detail").asString()).startsWith("\"limit\" must be a whole number");
    }

    @Test
    void aStatementEndingInASemicolonAndACommentRunsInEveryFormat() {
        // DATE columns and Parquet make the runner wrap the text in more SQL
        for (String accept :
                new String[] {"application/json", "application/x-ndjson", "text/csv", "application/vnd.apache.parquet"
                }) {
            var response = Http.localhost(port)
                    .post("/api/v1/query", "{\"sql\": \"select date '2024-01-01' d; -- trailing\"}", "Accept", accept);
            assertThat(response.statusCode())
                    .as(accept + ": " + response.body())
                    .isEqualTo(200);
        }
    }

    @Test
    void aStreamedResultCutByMaxRowsSaysSoInATrailer() throws IOException {
        // 200,000 CSV rows leave the server long before the query ends, so only a trailer can carry it
        RawResponse cut = rawPost("{\"sql\": \"SELECT * FROM range(300000)\", \"maxRows\": 200000}", "text/csv");
        assertThat(cut.status()).isEqualTo(200);
        assertThat(cut.headers())
                .containsEntry("trailer", "X-Duckbridge-Truncated")
                .doesNotContainKey("x-duckbridge-truncated");
        assertThat(cut.body().lines().count()).isEqualTo(200_001); // header line + rows
        assertThat(cut.trailers()).containsEntry("x-duckbridge-truncated", "true");

        RawResponse whole = rawPost("{\"sql\": \"SELECT * FROM range(300000)\", \"maxRows\": 300000}", "text/csv");
        assertThat(whole.body().lines().count()).isEqualTo(300_001);
        assertThat(whole.trailers()).doesNotContainKey("x-duckbridge-truncated");

        // a small cut result is still unsent when the query ends: the header says it as well
        RawResponse small = rawPost("{\"sql\": \"SELECT * FROM range(10)\", \"maxRows\": 3}", "application/x-ndjson");
        assertThat(small.body().lines().count()).isEqualTo(3);
        assertThat(small.headers()).containsEntry("x-duckbridge-truncated", "true");
        assertThat(small.trailers()).containsEntry("x-duckbridge-truncated", "true");
    }

    @Test
    void aQueryFailingAfterItsFirstBytesEndsTheConnectionWithoutAnEndOrAnythingAppended(
            org.springframework.boot.test.system.CapturedOutput output) throws IOException {
        // DuckDB fails on row 1,500,000, long after the first rows left the server
        String failing = "{\"sql\": \"SELECT i, (CASE WHEN i < 1500000 THEN '1' ELSE 'Grace-Lovelace' END)::INT AS c"
                + " FROM range(2000000) t(i)\", \"maxRows\": 3000000}";
        for (String accept : List.of("application/json", "text/csv", "application/x-ndjson")) {
            var partial = new java.io.ByteArrayOutputStream();
            assertThatThrownBy(() -> rawPost(failing, accept, partial))
                    .as(accept)
                    .isInstanceOf(java.io.EOFException.class);
            String body = partial.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(body.length()).as(accept).isGreaterThan(100_000);
            assertThat(body).as(accept).doesNotContain("timestamp", "\"status\"", "error");
            JsonNode recent = Http.json(Http.localhost(port).get("/api/v1/queries/recent?limit=1"))
                    .get(0);
            assertThat(recent.path("errorClass").asString()).as(accept).isEqualTo("CONVERSION");
        }
        // DuckDB's message quotes the value and the query; neither reaches the log
        assertThat(output.getAll()).contains("broke off").doesNotContain("Grace-Lovelace");
    }

    record RawResponse(int status, Map<String, String> headers, String body, Map<String, String> trailers) {}

    /** One HTTP/1.1 exchange over a plain socket, since HttpClient drops trailers; decodes the chunked body. */
    private RawResponse rawPost(String json, String accept) throws IOException {
        return rawPost(json, accept, new java.io.ByteArrayOutputStream());
    }

    /** As {@link #rawPost(String, String)}, with the body decoded so far in {@code body} when reading fails. */
    private RawResponse rawPost(String json, String accept, java.io.ByteArrayOutputStream body) throws IOException {
        byte[] payload = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            var out = socket.getOutputStream();
            out.write(("POST /api/v1/query HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Accept: " + accept + "\r\nTE: trailers\r\nConnection: close\r\nContent-Length: "
                            + payload.length + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            var in = new java.io.BufferedInputStream(socket.getInputStream());
            int status = Integer.parseInt(line(in).split(" ")[1]);
            Map<String, String> headers = fields(in);
            assertThat(headers).containsEntry("transfer-encoding", "chunked");
            for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; ) {
                body.write(in.readNBytes(size));
                assertThat(line(in)).isEmpty();
            }
            return new RawResponse(status, headers, body.toString(java.nio.charset.StandardCharsets.UTF_8), fields(in));
        }
    }

    private static Map<String, String> fields(java.io.InputStream in) throws IOException {
        Map<String, String> fields = new TreeMap<>();
        for (String l; !(l = line(in)).isEmpty(); ) {
            int colon = l.indexOf(':');
            fields.put(
                    l.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                    l.substring(colon + 1).trim());
        }
        return fields;
    }

    private static String line(java.io.InputStream in) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new java.io.EOFException("the response ended inside a line");
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void seedCompatibleQueryEndpoint() {
        var response = Http.localhost(port)
                .get("/analytics/query?query=SELECT%20id,%20name%20FROM%20customers%20ORDER%20BY%20id%20LIMIT%202");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = Http.json(response);
        assertThat(body.path("row_count").asInt()).isEqualTo(2);
        assertThat(body.path("columns").toString()).isEqualTo("[\"id\",\"name\"]");
        assertThat(body.path("data").get(1).path("name").asString()).isEqualTo("c1");
        assertThat(response.headers().firstValue("X-Duckbridge-Truncated")).isEmpty();
        assertThat(response.headers().firstValue("X-Duckbridge-Query-Id")).isPresent();
        // cut at the JSON row limit: the body keeps the seed's shape, a header says it is not the whole result
        var cut = Http.localhost(port).get("/analytics/query?query=SELECT%20*%20FROM%20range(10001)");
        assertThat(Http.json(cut).path("row_count").asInt()).isEqualTo(10_000);
        assertThat(cut.headers().firstValue("X-Duckbridge-Truncated")).contains("true");
        var empty = Http.localhost(port).get("/analytics/query?query=");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(Http.json(empty).path("detail").asString())
                .contains("query parameter")
                .doesNotContain("\"sql\"");
        var rejected = Http.localhost(port).get("/analytics/query?query=DROP%20TABLE%20orders");
        assertThat(rejected.statusCode()).isEqualTo(400);
        assertThat(Http.json(rejected).path("errorClass").asString()).isEqualTo("READ_ONLY_VIOLATION");
    }

    @Test
    void explainAndStatsAndRecent() {
        var plan = Http.localhost(port).post("/api/v1/query/explain", "{\"sql\":\"SELECT sum(amount) FROM orders\"}");
        assertThat(plan.statusCode()).as(plan.body()).isEqualTo(200);
        assertThat(plan.body()).contains("SEQ_SCAN");
        var profile = Http.localhost(port)
                .post("/api/v1/query/explain", "{\"sql\":\"SELECT sum(amount) FROM orders\",\"analyze\":true}");
        assertThat(profile.statusCode()).isEqualTo(200);
        assertThat(Http.json(profile).at("/system/peak_buffer_memory").isNumber())
                .isTrue();
        // DuckDB answers count(*) of a whole table while planning and prints no profile for it
        var counted = Http.localhost(port)
                .post("/api/v1/query/explain", "{\"sql\":\"SELECT count(*) FROM orders\",\"analyze\":true}");
        assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
        assertThat(Http.json(counted).path("analyzed").asBoolean(true)).isFalse();
        assertThat(Http.json(counted).path("reason").asString()).contains("COLUMN_DATA_SCAN");
        assertThat(Http.json(counted).path("plan").toString()).contains("COLUMN_DATA_SCAN");
        var explainDelete =
                Http.localhost(port).post("/api/v1/query/explain", "{\"sql\":\"DELETE FROM orders\",\"analyze\":true}");
        assertThat(explainDelete.statusCode()).isEqualTo(400);
        var explainUnknown =
                Http.localhost(port).post("/api/v1/query/explain", "{\"sql\":\"SELECT nope FROM orders\"}");
        assertThat(explainUnknown.statusCode()).isEqualTo(400);
        assertThat(Http.json(explainUnknown).path("errorClass").asString()).isEqualTo("BINDER");
        assertThat(Http.json(explainUnknown).path("position").asInt()).isEqualTo(7);

        query("SELECT count(*) FROM orders WHERE id > 5");
        JsonNode stats = Http.json(Http.localhost(port).get("/api/v1/queries/stats"));
        for (String field : List.of(
                "totalQueries",
                "successfulQueries",
                "errorRate",
                "avgDurationMs",
                "p50DurationMs",
                "p95DurationMs",
                "p99DurationMs",
                "totalRowsProcessed",
                "avgPeakMemoryMb")) {
            assertThat(stats.has(field)).as(field).isTrue();
        }
        assertThat(stats.path("totalQueries").asLong()).isPositive();
        JsonNode recent = Http.json(Http.localhost(port).get("/api/v1/queries/recent"));
        assertThat(recent.get(0).path("sql").asString()).isEqualTo("SELECT count(*) FROM orders WHERE id > ?");
        assertThat(recent.get(0).path("peakMemoryBytes").asLong()).isPositive();
        JsonNode slow = Http.json(Http.localhost(port).get("/api/v1/queries/recent?slowerThanMs=3600000"));
        assertThat(slow.size()).isZero();
    }

    private Map<String, String> checksums() {
        return engine.read(Duration.ofSeconds(30), session -> {
            Map<String, String> sums = new TreeMap<>();
            List<String> tables = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT schema_name, table_name FROM duckdb_tables()")) {
                while (rs.next()) {
                    tables.add("\"" + rs.getString(1) + "\".\"" + rs.getString(2) + "\"");
                }
            }
            for (String t : tables) {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT count(*), sum(hash(x)) FROM " + t + " x")) {
                    rs.next();
                    sums.put(t, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
            return sums;
        });
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.map(p -> dataDir.relativize(p) + (Files.isRegularFile(p) ? ":" + size(p) : "/"))
                    .sorted()
                    .toList();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
