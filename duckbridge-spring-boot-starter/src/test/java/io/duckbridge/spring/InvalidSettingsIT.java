package io.duckbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.core.NestedExceptionUtils;

@Timeout(60)
class InvalidSettingsIT {
    @TempDir
    Path dataDir;

    @Test
    void memoryLimitThatIsNotASizeStopsStartupNamingTheSetting() {
        var app = new SpringApplication(TestApplication.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        assertThatThrownBy(() -> app.run("--duckbridge.data-dir=" + dataDir, "--duckbridge.duckdb.memory-limit=lots"))
                .satisfies(e -> {
                    Throwable root = NestedExceptionUtils.getMostSpecificCause(e);
                    assertThat(root).isInstanceOf(DuckbridgeException.class);
                    assertThat(root.getMessage())
                            .isEqualTo("duckbridge.duckdb.memory-limit \"lots\" is not a size;"
                                    + " use e.g. 4GB, 512MiB or 1073741824");
                });
    }

    @Test
    void duckdbMemoryLimitEnvironmentVariableIsValidatedToo() {
        var app = new SpringApplication(TestApplication.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        assertThatThrownBy(() -> app.run("--duckbridge.data-dir=" + dataDir, "--DUCKDB_MEMORY_LIMIT=plenty"))
                .satisfies(e -> assertThat(
                                NestedExceptionUtils.getMostSpecificCause(e).getMessage())
                        .startsWith("DUCKDB_MEMORY_LIMIT \"plenty\" is not a size"));
    }

    @Test
    void jobAndResilienceSettingsOutOfRangeStopStartupNamingTheSetting() {
        java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("--duckbridge.jobs.workers=0", "duckbridge.jobs.workers 0 must be at least 1");
        cases.put("--duckbridge.jobs.retained=-1", "duckbridge.jobs.retained -1 must not be negative");
        cases.put("--duckbridge.resilience.postgres.open-for=-5s", "duckbridge.resilience.*.open-for PT-5S must be");
        cases.put(
                "--duckbridge.resilience.object-storage.open-for=0s", "duckbridge.resilience.*.open-for PT0S must be");
        cases.forEach((arg, message) -> {
            var app = new SpringApplication(TestApplication.class);
            app.setWebApplicationType(WebApplicationType.NONE);
            assertThatThrownBy(() -> app.run("--duckbridge.data-dir=" + dataDir, arg))
                    .as(arg)
                    .satisfies(e -> assertThat(
                                    NestedExceptionUtils.getMostSpecificCause(e).getMessage())
                            .startsWith(message));
        });
    }

    @Test
    void aCdcLagThresholdThatIsNotPositiveStopsStartupNamingTheSetting() {
        // found by an acceptance tester: -5s was accepted, and every moment of lag would have read DEGRADED
        for (String value : java.util.List.of("-5s", "0s")) {
            var app = new SpringApplication(TestApplication.class);
            app.setWebApplicationType(WebApplicationType.NONE);
            assertThatThrownBy(() -> app.run(
                            "--duckbridge.data-dir=" + dataDir,
                            "--duckbridge.postgres.url=jdbc:postgresql://127.0.0.1:1/shop",
                            "--duckbridge.cdc.lag-threshold=" + value))
                    .as(value)
                    .satisfies(e -> assertThat(
                                    NestedExceptionUtils.getMostSpecificCause(e).getMessage())
                            .startsWith("duckbridge.cdc.lag-threshold ")
                            .contains("must be positive"));
        }
    }

    @Test
    void aNegativeCdcTransactionSizeStopsStartupNamingTheSetting() {
        var app = new SpringApplication(TestApplication.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        assertThatThrownBy(() -> app.run(
                        "--duckbridge.data-dir=" + dataDir,
                        "--duckbridge.postgres.url=jdbc:postgresql://127.0.0.1:1/shop",
                        "--duckbridge.cdc.max-transaction-size=-1MB"))
                .satisfies(e -> assertThat(
                                NestedExceptionUtils.getMostSpecificCause(e).getMessage())
                        .startsWith("duckbridge.cdc.max-transaction-size ")
                        .contains("must not be negative"));
    }
}
