package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code query --url}: what the CLI sends to a server and prints of its answer (a fake server, no database). */
@Timeout(30)
class QueryCommandRemoteTest {
    private static final String CSV = "text/csv";

    @Test
    void aUrlWithAPathReachesTheApiUnderThatPrefix() throws Exception {
        // found by an acceptance tester: --url http://host:port/duckbridge/ sent POST /api/v1/query to the root
        try (var server = new FakeServer().answer("POST /duckbridge/api/v1/query", 200, CSV, "x\r\n1\r\n")) {
            for (String url : new String[] {server.url() + "/duckbridge/", server.url() + "/duckbridge"}) {
                CliRun run = CliRun.of("query", "SELECT 1 AS x", "--format", "csv", "--url", url);
                assertThat(run.exit()).as(run.err()).isZero();
                assertThat(run.out()).isEqualTo("x\n1\n");
            }
            assertThat(server.requests).extracting(FakeServer.Request::uri).containsOnly("/duckbridge/api/v1/query");
        }
    }

    @Test
    void timeoutIsSentAsTimeoutMsAndLeftToTheServerWhenNotGiven() throws Exception {
        try (var server = new FakeServer().answer("POST /api/v1/query", 200, CSV, "x\r\n1\r\n")) {
            assertThat(CliRun.of("query", "SELECT 1 AS x", "--timeout", "2m", "--url", server.url())
                            .exit())
                    .isZero();
            assertThat(CliRun.of("query", "SELECT 1 AS x", "--timeout", "1500", "--url", server.url())
                            .exit())
                    .isZero();
            assertThat(CliRun.of("query", "SELECT 1 AS x", "--url", server.url())
                            .exit())
                    .isZero();
            JsonNode twoMinutes =
                    JsonMapper.shared().readTree(server.requests.get(0).body());
            assertThat(twoMinutes.path("timeoutMs").asLong()).isEqualTo(120_000);
            assertThat(JsonMapper.shared()
                            .readTree(server.requests.get(1).body())
                            .path("timeoutMs")
                            .asLong())
                    .isEqualTo(1500);
            assertThat(JsonMapper.shared()
                            .readTree(server.requests.get(2).body())
                            .has("timeoutMs"))
                    .isFalse();
        }
    }

    @Test
    void aServersTimeoutIsOneErrorLine() throws Exception {
        try (var server = new FakeServer()
                .answer(
                        "POST /api/v1/query",
                        408,
                        "application/problem+json",
                        "{\"errorClass\":\"TIMEOUT\",\"detail\":\"the query ran longer than its timeout of 1000 ms\"}")) {
            CliRun run = CliRun.of("query", "SELECT 1", "--timeout", "1s", "--format", "csv", "--url", server.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEqualTo("error: TIMEOUT: the query ran longer than its timeout of 1000 ms\n");
        }
    }

    @Test
    void aServerThatIsNotThereIsSaidInWords() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort(); // free once closed: nothing listens there
        }
        CliRun run = CliRun.of("query", "SELECT 1", "--url", "http://127.0.0.1:" + port);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err())
                .startsWith("error: SOURCE_UNAVAILABLE: cannot reach the Duckbridge server at http://127.0.0.1:" + port)
                .contains("connection refused (is the server running");
    }

    @Test
    void csvIsTheServersCsvWithATerminalsLineEndsAndCutAtMaxRows() throws Exception {
        // quoted fields keep their own line ends; "" is an empty string, an empty field NULL
        String body = "id,note\r\n1,\"a,b\"\r\n2,\"two\r\nlines \"\"q\"\"\"\r\n3,\r\n4,\"\"\r\n";
        try (var server = new FakeServer().answer("POST /api/v1/query", 200, CSV, body)) {
            CliRun all = CliRun.of("query", "SELECT 1", "--format", "csv", "--url", server.url());
            assertThat(all.exit()).as(all.err()).isZero();
            assertThat(all.out()).isEqualTo("id,note\n1,\"a,b\"\n2,\"two\r\nlines \"\"q\"\"\"\n3,\n4,\"\"\n");
            assertThat(all.err()).isEmpty();

            CliRun cut = CliRun.of("query", "SELECT 1", "--format", "csv", "--max-rows", "2", "--url", server.url());
            assertThat(cut.exit()).isZero();
            assertThat(cut.out()).isEqualTo("id,note\n1,\"a,b\"\n2,\"two\r\nlines \"\"q\"\"\"\n");
            assertThat(cut.err()).contains("more than 2 rows");
            assertThat(JsonMapper.shared()
                            .readTree(server.requests.get(1).body())
                            .path("maxRows")
                            .asInt())
                    .isEqualTo(3);

            CliRun table = CliRun.of("query", "SELECT 1", "--max-rows", "1", "--url", server.url());
            assertThat(table.out().lines().toList())
                    .containsExactly("id | note", "---+-----", "1  | a,b", "(1 rows, cut at --max-rows)");
        }
    }

    @Test
    void jsonIsTheServersBodyWithALineEnd() throws Exception {
        String body = "{\"queryId\":\"q1\",\"columns\":[{\"name\":\"s\",\"type\":\"VARCHAR\"}],\"rows\":[[\"Zoë 😀\"]],"
                + "\"rowCount\":1,\"truncated\":false,\"elapsedMs\":1}";
        try (var server = new FakeServer().answer("POST /api/v1/query", 200, "application/json", body)) {
            CliRun run = CliRun.of("query", "SELECT 'Zoë 😀' AS s", "--format", "json", "--url", server.url());
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo(body + "\n");
            assertThat(JsonMapper.shared()
                            .readTree(server.requests.get(0).body())
                            .path("sql")
                            .asString())
                    .isEqualTo("SELECT 'Zoë 😀' AS s");
        }
    }
}
