package io.duckbridge.server.demo;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
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
     * The first start of the demo copies the shop into DuckDB as a job ({@code GET /api/v1/jobs} shows its
     * progress) before the service reports ready: Spring Boot sets the readiness state to accepting traffic only
     * after this listener returns, so the readiness probe answers 503 and the "demo ready" line is not logged
     * until the shop's tables can be queried. The API already answers meanwhile (health, jobs). A failed first
     * sync is logged with the way to retry and the service still becomes ready.
     */
    @Bean
    public ApplicationListener<ApplicationReadyEvent> demoStart(
            DemoProperties demo, DuckDbEngine engine, ObjectProvider<TableSync> sync) {
        return event -> {
            TableSync tableSync = sync.getIfAvailable();
            if (demo.initialSync() && tableSync != null && !shopInDuckDb(engine)) {
                Job job = tableSync.submitAll(SyncMode.FULL);
                log.info(
                        "demo: first start, syncing the shop into DuckDB as job {}; the service reports ready when"
                                + " it has finished",
                        job.jobId());
                JobSnapshot done = job.completion().join();
                if (done.status() != JobStatus.SUCCEEDED) {
                    if (!event.getApplicationContext().isActive()) {
                        return; // shutting down: the job was cancelled
                    }
                    log.warn(
                            "demo: the first sync (job {}) ended {}: {}; retry with POST /api/v1/sync",
                            job.jobId(),
                            done.status(),
                            done.error() == null
                                    ? "no error recorded"
                                    : done.error().getMessage());
                }
            }
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
}
