package io.duckbridge.server.demo;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.TableSync;
import io.duckbridge.spring.DuckbridgeProperties;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
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

    /**
     * Closes the job pool before the demo PostgreSQL stops (this bean depends on it, so it is destroyed first):
     * a sync still running at shutdown gets its grace period with its source still there.
     */
    @Bean(destroyMethod = "close")
    public AutoCloseable demoJobsCloseBeforePostgres(io.duckbridge.core.jobs.JobRunner jobs, DemoPostgres postgres) {
        return jobs::close;
    }

    @Bean
    public PostgresSource postgresSource(DemoPostgres postgres, DemoProperties demo) {
        PostgresSource source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), null);
        DemoShop.createIfAbsent(source, demo.orders());
        return source;
    }

    /**
     * The first start of the demo copies the shop into DuckDB as a background job, so the service answers
     * at once and the data arrives a little later ({@code GET /api/v1/jobs} shows the progress).
     */
    @Bean
    public ApplicationListener<ApplicationReadyEvent> demoInitialSync(
            DemoProperties demo, DuckDbEngine engine, ObjectProvider<TableSync> sync) {
        return event -> {
            TableSync tableSync = sync.getIfAvailable();
            if (!demo.initialSync() || tableSync == null || shopInDuckDb(engine)) {
                return;
            }
            Job job = tableSync.submitAll(SyncMode.FULL);
            log.info("demo: first start, syncing the shop into DuckDB as job {}", job.jobId());
        };
    }

    private static boolean shopInDuckDb(DuckDbEngine engine) {
        return engine.read(session -> {
            try (PreparedStatement ps = session.prepare(
                            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                                    + " AND table_name = 'orders'");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        });
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
