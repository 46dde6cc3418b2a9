package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Starts the packaged server in its own JVM with a 256 MB heap and streams a 5,000,000-row result in every
 * format, reading each back; the server must stay up (no OutOfMemoryError). The JVM gets no
 * {@code --add-opens}: the jar's manifest opens java.nio for Arrow.
 */
@Timeout(600)
class LargeResultStreamingIT {
    static final long ROWS = 5_000_000L;
    static final String SQL =
            "SELECT range AS id, range * 0.5 AS half, 'row-' || range AS label FROM range(" + ROWS + ")";
    static final HttpClient CLIENT =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path workDir;

    Process server;
    Path log;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            server.destroyForcibly();
        }
    }

    @Test
    void fiveMillionRowsStreamInEveryFormatUnderA256MbHeap() throws Exception {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path jar = Path.of("target", "duckbridge-server.jar").toAbsolutePath();
        assertThat(jar).exists();
        log = workDir.resolve("server.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        server = new ProcessBuilder(
                        java,
                        "-Xmx256m",
                        "-XX:+ExitOnOutOfMemoryError",
                        "-jar",
                        jar.toString(),
                        "--server.port=" + port,
                        "--server.address=127.0.0.1",
                        "--duckbridge.demo.enabled=false",
                        "--duckbridge.data-dir=" + workDir.resolve("data"),
                        "--duckbridge.duckdb.memory-limit=1GB",
                        "--duckbridge.duckdb.threads=2")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        String base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            assertThat(server.isAlive()).as("server exited: %s", tail()).isTrue();
            try {
                var health = CLIENT.send(
                        HttpRequest.newBuilder(URI.create(base + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            assertThat(System.nanoTime()).as("server did not start: %s", tail()).isLessThan(deadline);
            Thread.sleep(200);
        }
        String body = JsonMapper.shared().writeValueAsString(Map.of("sql", SQL, "maxRows", ROWS, "timeoutMs", 240000));

        assertThat(countJson(send(base, body, "application/json"))).isEqualTo(ROWS);
        assertThat(countLines(send(base, body, "application/x-ndjson"))).isEqualTo(ROWS);
        assertThat(countLines(send(base, body, "text/csv"))).isEqualTo(ROWS + 1);
        assertThat(countArrow(send(base, body, "application/vnd.apache.arrow.stream")))
                .isEqualTo(ROWS);
        Path parquet = workDir.resolve("result.parquet");
        Files.copy(send(base, body, "application/vnd.apache.parquet"), parquet, StandardCopyOption.REPLACE_EXISTING);
        try (var c = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), sum(id) FROM read_parquet('" + parquet + "')")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(ROWS);
            assertThat(rs.getLong(2)).isEqualTo(ROWS * (ROWS - 1) / 2);
        }
        assertThat(server.isAlive()).as(tail()).isTrue();
        assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
    }

    private InputStream send(String base, String body, String accept) throws Exception {
        var response = CLIENT.send(
                HttpRequest.newBuilder(URI.create(base + "/api/v1/query"))
                        .header("Content-Type", "application/json")
                        .header("Accept", accept)
                        .timeout(Duration.ofMinutes(5))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).as(accept).isEqualTo(200);
        return response.body();
    }

    private static long countJson(InputStream in) throws IOException {
        long rows = 0;
        try (in;
                JsonParser p = JsonMapper.shared().createParser(in)) {
            int depth = 0;
            boolean inRows = false;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.PROPERTY_NAME && depth == 1 && "rows".equals(p.currentName())) {
                    inRows = true;
                } else if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
                    depth++;
                    if (inRows && depth == 3 && t == JsonToken.START_ARRAY) {
                        rows++;
                    }
                } else if (t == JsonToken.END_ARRAY || t == JsonToken.END_OBJECT) {
                    depth--;
                    if (depth == 1) {
                        inRows = false;
                    }
                }
            }
        }
        return rows;
    }

    private static long countLines(InputStream in) throws IOException {
        long lines = 0;
        try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            while (reader.readLine() != null) {
                lines++;
            }
        }
        return lines;
    }

    private static long countArrow(InputStream in) throws IOException {
        long rows = 0;
        try (in;
                var allocator = new RootAllocator();
                var reader = new ArrowStreamReader(in, allocator)) {
            while (reader.loadNextBatch()) {
                var root = reader.getVectorSchemaRoot();
                assertThat(root.getVector("id")).isInstanceOf(BigIntVector.class);
                rows += root.getRowCount();
            }
        }
        return rows;
    }

    private String tail() {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(log));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
