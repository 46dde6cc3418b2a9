package io.duckbridge.server.demo;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * In demo mode (no {@code duckbridge.postgres.url}, {@code duckbridge.demo.enabled} not false) with no
 * {@code server.address}, binds the service to {@code 127.0.0.1}: the demo runs without API keys, so it must
 * not be reachable from other machines. Setting {@code server.address} (e.g. {@code 0.0.0.0}) together with API
 * keys exposes it. The default is the lowest-priority property source, so any explicit setting wins.
 */
public class DemoLoopbackDefault implements EnvironmentPostProcessor {
    static final String SOURCE = "duckbridgeDemoLoopback";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String enabled = environment.getProperty("duckbridge.demo.enabled");
        String url = environment.getProperty("duckbridge.postgres.url");
        boolean demo = enabled != null ? Boolean.parseBoolean(enabled) : (url == null || url.isBlank());
        if (demo && environment.getProperty("server.address") == null) {
            environment
                    .getPropertySources()
                    .addLast(new MapPropertySource(SOURCE, Map.of("server.address", "127.0.0.1")));
        }
    }
}
