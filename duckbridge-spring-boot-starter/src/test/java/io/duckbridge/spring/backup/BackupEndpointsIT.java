package io.duckbridge.spring.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Backups over HTTP: create and restore as jobs, list, show, validate, delete, health and metrics. */
@Timeout(180)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=1GB",
            "DUCKDB_THREADS=2",
            "duckbridge.demo.enabled=false",
            "duckbridge.backup.schedule=0 0 3 * * *",
            "duckbridge.backup.health-max-age=1h",
            "management.endpoints.web.exposure.include=health,prometheus",
            "management.endpoint.health.show-details=always"
        })
class BackupEndpointsIT {
    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @Autowired
    BackupScheduler scheduler;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    @Test
    void createsListsValidatesRestoresAndDeletesBackups() {
        Http http = Http.localhost(port);
        assertThat(Http.json(http.get("/actuator/health"))
                        .at("/components/backup/status")
                        .asString())
                .as("scheduled but no backup yet")
                .isEqualTo("DEGRADED");
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE sales AS SELECT i AS id, i * 2 AS amount FROM range(1000) t(i)");
            }
            return null;
        });

        var created = http.post("/api/v1/backups?wait=true", null);
        assertThat(created.statusCode()).isEqualTo(200);
        var job = Http.json(created);
        assertThat(job.path("kind").asString()).isEqualTo("backup");
        assertThat(job.path("status").asString()).isEqualTo("succeeded");
        String id = job.at("/result/id").asString();
        assertThat(job.at("/result/tables/sales").asLong()).isEqualTo(1000);
        assertThat(job.at("/result/sha256").asString()).hasSize(64);
        assertThat(job.at("/result/sizeBytes").asLong()).isPositive();
        assertThat(job.at("/result/locations/0").asString()).startsWith(dataDir.toString());

        var list = Http.json(http.get("/api/v1/backups"));
        assertThat(list.size()).isEqualTo(1);
        assertThat(list.get(0).path("id").asString()).isEqualTo(id);
        assertThat(Http.json(http.get("/api/v1/backups/" + id))
                        .path("createdAt")
                        .asString())
                .isNotBlank();
        assertThat(http.get("/api/v1/backups/nope").statusCode()).isEqualTo(404);

        var validation = Http.json(http.post("/api/v1/backups/" + id + "/validate", null));
        assertThat(validation.path("valid").asBoolean()).isTrue();
        assertThat(validation.path("problems").size()).isZero();

        var health = Http.json(http.get("/actuator/health"));
        assertThat(health.at("/components/backup/status").asString()).isEqualTo("UP");
        assertThat(health.at("/components/backup/details/newestValidBackup").asString())
                .isEqualTo(id);
        String metrics = http.get("/actuator/prometheus").body();
        assertThat(metrics).contains("duckbridge_backup_age_seconds", "duckbridge_backup_size_bytes");

        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("DELETE FROM sales WHERE id < 500");
            }
            return null;
        });
        var restored = http.post("/api/v1/backups/" + id + "/restore?wait=true", null);
        assertThat(restored.statusCode()).isEqualTo(200);
        assertThat(Http.json(restored).path("kind").asString()).isEqualTo("restore");
        assertThat(Http.json(restored).path("status").asString()).isEqualTo("succeeded");
        // a finished restore's progress is complete: archive checked, database decompressed, compared and copied in
        assertThat(Http.json(restored).at("/progress/done").asLong())
                .isEqualTo(Http.json(restored).at("/progress/total").asLong())
                .isGreaterThan(job.at("/result/sizeBytes").asLong());
        long rows = engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM sales")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(rows).isEqualTo(1000);

        assertThat(http.delete("/api/v1/backups/" + id).statusCode()).isEqualTo(204);
        assertThat(http.delete("/api/v1/backups/" + id).statusCode()).isEqualTo(404);
        assertThat(Http.json(http.get("/api/v1/backups")).size()).isZero();
    }

    @Test
    void scheduleFollowsTheCronExpression() {
        ZonedDateTime from = ZonedDateTime.parse("2026-01-01T12:00:00Z");
        assertThat(scheduler.isRunning()).isTrue();
        assertThat(scheduler.next(from)).isEqualTo(ZonedDateTime.parse("2026-01-02T03:00:00Z"));
    }
}
