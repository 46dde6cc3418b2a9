package io.duckbridge.spring.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.ServiceFixtures;
import io.duckbridge.spring.TestApplication;
import io.duckbridge.testing.TestingS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Remote backup copies over HTTP: uploaded to S3, listed there, downloaded after the local copy is lost, restored. */
@Timeout(120)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=1GB",
            "DUCKDB_THREADS=2",
            "duckbridge.demo.enabled=false",
            "duckbridge.lake.s3.path-style-access=true",
            "duckbridge.backup.s3-target=s3://offsite/prod"
        })
class BackupS3EndpointsIT {
    static final TestingS3 s3 = ServiceFixtures.startS3("offsite");

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixtures.s3(registry, () -> dataDir, s3);
    }

    @AfterAll
    static void stop() {
        ServiceFixtures.stopS3(s3);
    }

    @Test
    void uploadsListsDownloadsAndRestoresRemoteBackups() throws Exception {
        engine.executeOnLane("CREATE TABLE sales AS SELECT i AS id, i * 3 AS amount FROM range(5000) t(i)");
        Http http = Http.localhost(port);
        var created = Http.json(http.post("/api/v1/backups?wait=true", null));
        assertThat(created.path("status").asString()).isEqualTo("succeeded");
        String id = created.at("/result/id").asString();
        assertThat(s3.exists("offsite", "prod/" + id + "/manifest.json")).isTrue();

        var remote = Http.json(http.get("/api/v1/backups/remote"));
        assertThat(remote.size()).isEqualTo(1);
        assertThat(remote.at("/0/id").asString()).isEqualTo(id);
        assertThat(remote.at("/0/local").asBoolean()).isTrue();

        // the local copy is lost with its disk
        try (Stream<Path> files = Files.walk(dataDir.resolve("backups").resolve(id))) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertThat(Http.json(http.get("/api/v1/backups")).size()).isZero();
        assertThat(Http.json(http.get("/api/v1/backups/remote")).at("/0/local").asBoolean())
                .isFalse();
        engine.executeOnLane("DELETE FROM sales WHERE id >= 1000");

        var downloaded = http.post("/api/v1/backups/" + id + "/download", null);
        assertThat(downloaded.statusCode()).isEqualTo(200);
        assertThat(Http.json(downloaded).path("sha256").asString())
                .isEqualTo(created.at("/result/sha256").asString());
        assertThat(Http.json(http.post("/api/v1/backups/" + id + "/validate", null))
                        .path("valid")
                        .asBoolean())
                .isTrue();
        var restored = Http.json(http.post("/api/v1/backups/" + id + "/restore?wait=true", null));
        assertThat(restored.path("status").asString()).isEqualTo("succeeded");
        long rows = engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM sales")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(rows).isEqualTo(5000);

        assertThat(http.post("/api/v1/backups/20200101T000000000Z-000000/download", null)
                        .statusCode())
                .isEqualTo(404);
    }
}
