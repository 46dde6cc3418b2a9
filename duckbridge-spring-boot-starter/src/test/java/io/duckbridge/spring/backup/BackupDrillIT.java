package io.duckbridge.spring.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The scheduled restore drill restores the newest backup, and finds it out when the archive is damaged. */
@Timeout(180)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=512MB",
            "DUCKDB_THREADS=2",
            "duckbridge.backup.drill-schedule=*/2 * * * * *",
            "management.endpoints.web.exposure.include=health,prometheus"
        })
class BackupDrillIT {
    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @Autowired
    BackupDrill drill;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    @Test
    void theDrillRestoresTheNewestBackupAndReportsADamagedOne() throws Exception {
        Http http = Http.localhost(port);
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE sales AS SELECT i AS id, i * 2 AS amount FROM range(20000) t(i)");
            }
            return null;
        });
        var job = Http.json(http.post("/api/v1/backups?wait=true", null));
        assertThat(job.path("status").asString()).isEqualTo("succeeded");
        String id = job.at("/result/id").asString();

        assertThat(poll(() -> drill.last()
                        .map(o -> o.backupId().equals(id) && o.restored())
                        .orElse(false)))
                .as("a drill restored backup %s", id)
                .isTrue();
        assertThat(gauge(http, "duckbridge_backup_drill_success")).isEqualTo(1.0);
        assertThat(gauge(http, "duckbridge_backup_drill_age_seconds")).isBetween(0.0, 60.0);

        Path archive;
        try (var files = Files.walk(dataDir.resolve("backups"))) {
            archive = files.filter(p -> p.getFileName().toString().endsWith(".zst"))
                    .findFirst()
                    .orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xff);
        }
        assertThat(poll(() -> drill.last().map(o -> !o.restored()).orElse(false)))
                .as("a drill found the damaged archive")
                .isTrue();
        assertThat(drill.last().orElseThrow().problems()).isNotEmpty();
        assertThat(gauge(http, "duckbridge_backup_drill_success")).isEqualTo(0.0);
        assertThat(Http.json(http.post("/api/v1/backups/" + id + "/validate", null))
                        .path("valid")
                        .asBoolean())
                .isFalse();
    }

    private static double gauge(Http http, String name) {
        return Arrays.stream(http.get("/actuator/prometheus").body().split("\n"))
                .filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not in /actuator/prometheus"));
    }

    private static boolean poll(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return false;
    }
}
