package io.duckbridge.spring.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Docker image and the Kubernetes manifest put backups on a volume of their own, outside the data
 * directory: DuckDB's sandbox must let the service's own backups and restores reach it.
 */
@Timeout(180)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"DUCKDB_MEMORY_LIMIT=1GB", "DUCKDB_THREADS=2", "duckbridge.demo.enabled=false"})
class BackupDirectoryOutsideDataDirIT {
    @TempDir
    static Path volumes;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> volumes.resolve("data").toString());
        registry.add(
                "duckbridge.backup.directory", () -> volumes.resolve("backups").toString());
    }

    @Test
    void backsUpValidatesAndRestoresThroughTheSandbox() {
        Http http = Http.localhost(port);
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE sales AS SELECT i AS id FROM range(1000) t(i)");
            }
            return null;
        });
        var created = http.post("/api/v1/backups?wait=true", null);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = Http.json(created).at("/result/id").asString();
        assertThat(Http.json(created).at("/result/locations/0").asString())
                .startsWith(volumes.resolve("backups").toString());

        var validation = http.post("/api/v1/backups/" + id + "/validate", null);
        assertThat(Http.json(validation).path("valid").asBoolean())
                .as(validation.body())
                .isTrue();

        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("DELETE FROM sales WHERE id < 500");
            }
            return null;
        });
        var restored = http.post("/api/v1/backups/" + id + "/restore?wait=true", null);
        assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
        long rows = engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM sales")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(rows).isEqualTo(1000);

        // what untrusted SQL may read is still the file roots, not the backup volume
        var read = http.post(
                "/api/v1/query", "{\"sql\": \"SELECT count(*) FROM glob('" + volumes.resolve("backups") + "/*')\"}");
        assertThat(read.statusCode()).as(read.body()).isEqualTo(400);
        assertThat(Http.json(read).path("errorClass").asString()).isEqualTo("READ_ONLY_VIOLATION");
    }
}
