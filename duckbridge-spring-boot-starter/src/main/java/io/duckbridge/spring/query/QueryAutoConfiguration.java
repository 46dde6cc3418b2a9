package io.duckbridge.spring.query;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSandbox;
import io.duckbridge.core.query.QueryAdmission;
import io.duckbridge.core.query.QueryGuard;
import io.duckbridge.core.query.QueryLimits;
import io.duckbridge.core.query.QueryRecorder;
import io.duckbridge.core.query.QueryRunner;
import io.duckbridge.spring.DuckbridgeAutoConfiguration;
import io.duckbridge.spring.DuckbridgeProperties;
import io.duckbridge.spring.EngineSettingsCustomizer;
import io.duckbridge.spring.backup.BackupProperties;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the query API: DuckDB's sandbox for the engine, the guard, the runner, the admission limit (a
 * Resilience4j bulkhead named {@code query}, with its {@code resilience4j_bulkhead_*} meters), metrics (with Micrometer when present) and the HTTP endpoints. Every bean can be replaced.
 */
@AutoConfiguration(after = DuckbridgeAutoConfiguration.class)
@EnableConfigurationProperties(QueryProperties.class)
public class QueryAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "duckbridgeQuerySandbox")
    public EngineSettingsCustomizer duckbridgeQuerySandbox(
            DuckbridgeProperties duckbridge, QueryProperties query, ObjectProvider<BackupProperties> backup) {
        return settings -> {
            if (!query.sandbox().enabled() || settings.inMemory() && duckbridge.dataDir() == null) {
                return settings;
            }
            List<Path> directories = new ArrayList<>();
            directories.add(duckbridge.dataDir());
            if (!settings.inMemory()) {
                directories.add(
                        Path.of(settings.databasePath()).toAbsolutePath().getParent());
            }
            // backups copy the database into a scratch file beside them and restore from there, through DuckDB
            BackupProperties backups = backup.getIfAvailable();
            if (backups != null && backups.directory() != null) {
                directories.add(backups.directory());
            }
            directories.addAll(query.sandbox().allowedDirectories());
            return settings.withSandbox(new EngineSandbox(
                    directories, query.sandbox().allowedPaths(), query.sandbox().lockConfiguration()));
        };
    }

    @Bean
    @ConditionalOnMissingBean
    public QueryRecorder duckbridgeQueryRecorder(ObjectProvider<MeterRegistry> registry) {
        QueryRecorder recorder = new QueryRecorder();
        registry.ifAvailable(r -> recorder.addListener(new QueryMeters(r)));
        return recorder;
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public QueryRunner duckbridgeQueryRunner(
            DuckDbEngine engine, DuckbridgeProperties duckbridge, QueryProperties query, QueryRecorder recorder) {
        List<Path> roots =
                query.fileRoots().isEmpty() ? List.of(duckbridge.dataDir().resolve("exports")) : query.fileRoots();
        Path database =
                engine.settings().inMemory() ? null : Path.of(engine.settings().databasePath());
        return new QueryRunner(
                engine,
                new QueryGuard(roots, database),
                new QueryLimits(
                        query.defaultTimeout(), query.maxTimeout(), query.defaultMaxRows(), query.arrowBatchSize()),
                recorder,
                duckbridge.dataDir().resolve("tmp"));
    }

    @Bean
    @ConditionalOnMissingBean
    public QueryAdmission duckbridgeQueryAdmission(QueryProperties query, ObjectProvider<MeterRegistry> meters) {
        BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
        meters.ifAvailable(TaggedBulkheadMetrics.ofBulkheadRegistry(bulkheads)::bindTo);
        return new QueryAdmission(
                bulkheads.bulkhead(
                        QueryAdmission.BULKHEAD,
                        QueryAdmission.config(query.maxConcurrent(), query.maxQueued(), query.maxQueueWait())),
                query.maxQueued());
    }

    /** {@code POST /api/v1/query} on a servlet of its own (see {@link QueryServlet} for why). */
    @Bean
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnMissingBean(name = "duckbridgeQueryServlet")
    public ServletRegistrationBean<QueryServlet> duckbridgeQueryServlet(
            QueryRunner runner, QueryAdmission admission, ObjectProvider<JsonMapper> json) {
        var registration = new ServletRegistrationBean<>(
                new QueryServlet(runner, admission, json.getIfAvailable(JsonMapper::shared)), QueryServlet.PATH);
        registration.setName("duckbridgeQuery");
        registration.setLoadOnStartup(1);
        return registration;
    }

    @Bean
    @ConditionalOnMissingBean
    public QueryController duckbridgeQueryController(QueryRunner runner, QueryAdmission admission) {
        return new QueryController(runner, admission);
    }
}
