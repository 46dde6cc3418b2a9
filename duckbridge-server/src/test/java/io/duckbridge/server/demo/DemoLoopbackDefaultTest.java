package io.duckbridge.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class DemoLoopbackDefaultTest {
    private static StandardEnvironment environment(Map<String, Object> properties) {
        var env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        new DemoLoopbackDefault().postProcessEnvironment(env, null);
        return env;
    }

    @Test
    void demoBindsLoopbackWhenNoAddressIsSet() {
        assertThat(environment(Map.of()).getProperty("server.address")).isEqualTo("127.0.0.1");
    }

    @Test
    void anExplicitAddressExposesTheDemo() {
        assertThat(environment(Map.of("server.address", "0.0.0.0")).getProperty("server.address"))
                .isEqualTo("0.0.0.0");
    }

    @Test
    void aConfiguredPostgresIsNotTheDemoAndKeepsTheDefaultBinding() {
        assertThat(environment(Map.of("duckbridge.postgres.url", "jdbc:postgresql://db/shop"))
                        .getProperty("server.address"))
                .isNull();
        assertThat(environment(Map.of("duckbridge.demo.enabled", "false")).getProperty("server.address"))
                .isNull();
    }
}
