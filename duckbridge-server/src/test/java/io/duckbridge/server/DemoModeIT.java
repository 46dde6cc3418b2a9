package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.source.PostgresSource;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Timeout(240)
@ExtendWith(OutputCaptureExtension.class)
class DemoModeIT {
    @TempDir
    Path workDir;

    @Test
    void demoStartsPostgresWithTheShopAndKeepsItsDataAcrossRestarts(CapturedOutput output) throws Exception {
        Path dataDir = workDir.resolve("duckbridge-data");
        long orders;
        int port = freePort();
        CompletableFuture<ConfigurableApplicationContext> starting =
                CompletableFuture.supplyAsync(() -> start(dataDir, port));
        // as a user of the Quick start would: wait until the service reports ready, then query the shop at once
        HttpResponse<String> ready = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline && !starting.isCompletedExceptionally()) {
            try {
                ready = send(port, HttpRequest.newBuilder(uri(port, "/actuator/health/readiness")));
                if (ready.statusCode() == 200) {
                    break;
                }
            } catch (ConnectException notListeningYet) {
                // the server is still starting
            }
            Thread.sleep(50); // polling a starting server with a deadline
        }
        assertThat(ready).isNotNull();
        assertThat(ready.statusCode()).isEqualTo(200);
        HttpResponse<String> firstQuery = send(
                port,
                HttpRequest.newBuilder(uri(port, "/api/v1/query"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"sql\": \"SELECT count(*) AS orders FROM orders\"}")));
        assertThat(firstQuery.statusCode()).as(firstQuery.body()).isEqualTo(200);
        assertThat(JsonMapper.shared()
                        .readTree(firstQuery.body())
                        .at("/rows/0/0")
                        .asLong())
                .isEqualTo(3000);
        try (ConfigurableApplicationContext app = starting.get(60, TimeUnit.SECONDS)) {
            JsonNode health = get(port, "/actuator/health");
            assertThat(health.path("status").asString()).isEqualTo("UP");
            assertThat(health.at("/components/duckdb/status").asString()).isEqualTo("UP");
            assertThat(health.at("/components/postgres/status").asString()).isEqualTo("UP");
            assertThat(health.at("/components/postgres/details/walLevel").asString())
                    .isEqualTo("logical");

            orders = count(app.getBean(PostgresSource.class), "SELECT count(*) FROM public.orders");
            assertThat(orders).isEqualTo(3000);
            assertThat(count(app.getBean(PostgresSource.class), "SELECT count(*) FROM public.order_items"))
                    .isGreaterThanOrEqualTo(3000);
            assertThat(count(
                            app.getBean(PostgresSource.class),
                            "SELECT count(*) FROM information_schema.columns"
                                    + " WHERE table_schema = 'public' AND column_name = 'updated_at'"))
                    .isEqualTo(5);
            // the first start copied the shop into DuckDB before the service reported ready
            var engine = app.getBean(io.duckbridge.core.engine.DuckDbEngine.class);
            assertThat(duckDbOrders(engine)).isEqualTo(3000);
            assertThat(output.getOut()).contains("demo: first start, syncing the shop into DuckDB as job");
            // the service said it was ready only after the first sync had copied the orders
            assertThat(output.getOut().indexOf("Duckbridge demo ready"))
                    .isGreaterThan(output.getOut().indexOf("snapshot public.orders: 3000 rows"))
                    .isPositive();
            assertThat(output.getOut())
                    .containsPattern("Duckbridge demo ready: API http://localhost:" + port
                            + "/api/v1/tables +Swagger UI http://localhost:" + port
                            + "/swagger-ui.html +health http://localhost:"
                            + port + "/actuator/health");
        }
        assertThat(Files.isDirectory(dataDir.resolve("demo-postgres"))).isTrue();
        assertThat(Files.isRegularFile(dataDir.resolve("analytics.duckdb"))).isTrue();

        try (ConfigurableApplicationContext again = start(dataDir, 0)) {
            // an edit made before the restart would be lost if the demo regenerated its data
            var source = again.getBean(PostgresSource.class);
            assertThat(count(source, "SELECT count(*) FROM public.orders")).isEqualTo(orders);
            assertThat(output.getOut()).contains("demo shop already present; keeping its data");
        }
    }

    private static ConfigurableApplicationContext start(Path dataDir, int port) {
        return SpringApplication.run(
                DuckbridgeApplication.class,
                "--server.port=" + port,
                "--duckbridge.data-dir=" + dataDir,
                "--duckbridge.demo.orders=3000");
    }

    private static long duckDbOrders(io.duckbridge.core.engine.DuckDbEngine engine) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.tables"
                            + " WHERE table_schema = 'public' AND table_name = 'orders'")) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    return -1L;
                }
            }
            try (Statement st = session.statement();
                    // unqualified, as a user would write it: the search path finds public.orders
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM orders")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static long count(PostgresSource source, String sql) throws Exception {
        try (Connection c = source.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static JsonNode get(int port, String path) throws Exception {
        return JsonMapper.shared()
                .readTree(send(port, HttpRequest.newBuilder(uri(port, path))).body());
    }

    private static HttpResponse<String> send(int port, HttpRequest.Builder request) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static URI uri(int port, String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
