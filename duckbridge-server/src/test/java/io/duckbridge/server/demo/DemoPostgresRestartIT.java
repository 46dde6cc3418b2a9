package io.duckbridge.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A demo killed with SIGKILL leaves its PostgreSQL running on the data directory; the next start stops that
 * orphan and starts its own instead of waiting a minute and failing on the locked cluster.
 */
@Timeout(180)
class DemoPostgresRestartIT {
    @TempDir
    Path dir;

    @Test
    void theNextStartStopsThePostgresAKilledDemoLeftRunning() throws Exception {
        Path cluster = dir.resolve("demo-postgres");
        Process demo = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        DemoPostgresHolder.class.getName(),
                        cluster.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        long orphan;
        try {
            var lines = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = lines.readLine();
            } while (line != null && !line.startsWith("ready "));
            assertThat(line).as("the demo's ready line").isNotNull();
            orphan = Long.parseLong(line.substring("ready ".length()));
        } finally {
            demo.destroyForcibly(); // SIGKILL: no hook runs, the postmaster stays
            assertThat(demo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).contains(true);

        long started = System.nanoTime();
        try (DemoPostgres postgres = DemoPostgres.start(cluster)) {
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started))
                    .isLessThan(45);
            try (var c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), "");
                    var rs = c.createStatement().executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false))
                .isFalse();
    }
}
