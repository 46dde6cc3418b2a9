package io.duckbridge.server.demo;

import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.spring.DuckbridgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Demo mode: an embedded PostgreSQL (kept under {@code duckbridge.data-dir/demo-postgres}) with the sample
 * shop becomes the source, and the service logs one line with its URLs once it is ready.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(DemoModeCondition.class)
@EnableConfigurationProperties(DemoProperties.class)
public class DemoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(DemoConfiguration.class);

    @Bean(destroyMethod = "close")
    public DemoPostgres demoPostgres(DuckbridgeProperties properties) {
        return DemoPostgres.start(properties.dataDir().resolve("demo-postgres").toAbsolutePath());
    }

    @Bean
    public PostgresSource postgresSource(DemoPostgres postgres, DemoProperties demo) {
        PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), null);
        DemoShop.createIfAbsent(source, demo.orders());
        return source;
    }

    @Bean
    public ApplicationListener<ApplicationReadyEvent> demoReadyBanner() {
        return event -> {
            var env = event.getApplicationContext().getEnvironment();
            String port = env.getProperty("local.server.port", env.getProperty("server.port", "8080"));
            String base = "http://localhost:" + port;
            log.info(
                    "Duckbridge demo ready: API {}/api/v1/tables  Swagger UI {}/swagger-ui.html  health {}/actuator/health",
                    base,
                    base,
                    base);
        };
    }
}
