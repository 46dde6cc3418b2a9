package io.duckbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class UnknownSettingsTest {
    @Test
    void namesMisspelledKeysOnlyAndSuggestsTheNearestOne() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource(
                        "arguments",
                        Map.of(
                                "duckbridge.duckdb.memory-limt", "2GB",
                                "duckbridge.duckdb.memory-limit", "1GB",
                                "duckbridge.security.api-keys[0].name", "dashboards",
                                "duckbridge.sync.layouts[public.orders].sort-columns", "amount",
                                "duckbridge.lake.schedules[0].cron", "0 0 * * * *",
                                "duckbridge.cdc.maxBatchChanges", "100",
                                "duckbridge.no-such-thing-at-all", "x",
                                "spring.main.banner-mode", "off")));
        environment
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource(
                        "environment",
                        Map.of(
                                "DUCKBRIDGE_DUCKDB_THREADS", "2",
                                "DUCKBRIDGE_POSTGRES_URL", "jdbc:postgresql://db/shop",
                                "DUCKBRIDGE_API_KEY", "the CLI's key",
                                "DUCKBRIDGE_SYNC_INCLUDE_0", "public.*",
                                "DUCKBRIDGE_POSTGRES_USRENAME", "app")));

        var known = UnknownSettings.known();
        assertThat(known).containsKey("duckbridge.duckdb.memory-limit");
        assertThat(UnknownSettings.unknown(environment, known))
                .containsExactly(
                        "DUCKBRIDGE_POSTGRES_USRENAME",
                        "duckbridge.duckdb.memory-limt",
                        "duckbridge.no-such-thing-at-all");
        assertThat(UnknownSettings.nearest("duckbridge.duckdb.memory-limt", known.keySet()))
                .isEqualTo("duckbridge.duckdb.memory-limit");
        assertThat(UnknownSettings.nearest("DUCKBRIDGE_POSTGRES_USRENAME", known.keySet()))
                .isEqualTo("duckbridge.postgres.username");
        assertThat(UnknownSettings.nearest("duckbridge.no-such-thing-at-all", known.keySet()))
                .isNull();
    }
}
