package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.source.PostgresSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
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
        try (ConfigurableApplicationContext app = start(dataDir)) {
            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
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
            // the first start copies the shop into DuckDB in the background
            var engine = app.getBean(io.duckbridge.core.engine.DuckDbEngine.class);
            long deadline =
                    System.nanoTime() + java.time.Duration.ofSeconds(120).toNanos();
            while (duckDbOrders(engine) != 3000 && System.nanoTime() < deadline) {
                Thread.sleep(200); // polling a background job's outcome with a deadline
            }
            assertThat(duckDbOrders(engine)).isEqualTo(3000);
            assertThat(output.getOut()).contains("demo: first start, syncing the shop into DuckDB as job");
            assertThat(output.getOut())
                    .containsPattern("Duckbridge demo ready: API http://localhost:" + port
                            + "/api/v1/tables +Swagger UI http://localhost:" + port
                            + "/swagger-ui.html +health http://localhost:"
                            + port + "/actuator/health");
        }
        assertThat(Files.isDirectory(dataDir.resolve("demo-postgres"))).isTrue();
        assertThat(Files.isRegularFile(dataDir.resolve("analytics.duckdb"))).isTrue();

        try (ConfigurableApplicationContext again = start(dataDir)) {
            // an edit made before the restart would be lost if the demo regenerated its data
            var source = again.getBean(PostgresSource.class);
            assertThat(count(source, "SELECT count(*) FROM public.orders")).isEqualTo(orders);
            assertThat(output.getOut()).contains("demo shop already present; keeping its data");
        }
    }

    private static ConfigurableApplicationContext start(Path dataDir) {
        return SpringApplication.run(
                DuckbridgeApplication.class,
                "--server.port=0",
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
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return JsonMapper.shared().readTree(response.body());
        }
    }
}
