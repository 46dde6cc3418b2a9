package io.duckbridge.spring;

import io.duckbridge.core.backup.BackupService;
import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.spring.health.AnalyticsHealthController;
import io.duckbridge.spring.health.DuckDbHealthIndicator;
import io.duckbridge.spring.health.PostgresHealthIndicator;
import io.duckbridge.spring.jobs.JobController;
import io.duckbridge.spring.web.ProblemErrorReportValve;
import io.duckbridge.spring.web.ProblemResponses;
import org.apache.catalina.core.StandardHost;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Wires the DuckDB engine, the job runner, the source PostgreSQL, the error mapping, the jobs endpoints
 * and the health indicators. Every bean can be replaced by declaring one of the same type.
 */
@AutoConfiguration
@EnableConfigurationProperties(DuckbridgeProperties.class)
public class DuckbridgeAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public DuckDbEngine duckbridgeDuckDbEngine(
            DuckbridgeProperties properties,
            Environment environment,
            ObjectProvider<EngineSettingsCustomizer> customizers) {
        EngineSettings settings = properties.engineSettings(
                environment.getProperty("DUCKDB_MEMORY_LIMIT"), environment.getProperty("DUCKDB_THREADS"));
        for (EngineSettingsCustomizer customizer : customizers.orderedStream().toList()) {
            settings = customizer.customize(settings);
        }
        return DuckDbEngine.open(settings);
    }

    /**
     * The job pool. It takes the engine so that it is closed first: at shutdown running jobs get the engine's
     * {@code close-grace-period} to finish (then are cancelled) while the engine is still open.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public JobRunner duckbridgeJobRunner(DuckbridgeProperties properties, DuckDbEngine engine) {
        return new JobRunner(
                properties.jobs().workers(),
                properties.jobs().retained(),
                engine.settings().closeGracePeriod());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty("duckbridge.postgres.url")
    public PostgresSource duckbridgePostgresSource(DuckbridgeProperties properties) {
        return properties.postgres().toSource();
    }

    @Bean
    @ConditionalOnMissingBean
    public ProblemResponses duckbridgeProblemResponses() {
        return new ProblemResponses();
    }

    /** Problems for requests no controller took, on Duckbridge's paths (the standalone server: on every path). */
    @Bean
    @ConditionalOnMissingBean
    public io.duckbridge.spring.web.UnmatchedRequestProblems duckbridgeUnmatchedRequestProblems() {
        return new io.duckbridge.spring.web.UnmatchedRequestProblems(false);
    }

    /** Errors Tomcat answers before the application sees the request are problem+json too. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({StandardHost.class, TomcatContextCustomizer.class})
    static class TomcatErrors {
        @Bean
        @ConditionalOnMissingBean(name = "duckbridgeTomcatErrorReport")
        TomcatContextCustomizer duckbridgeTomcatErrorReport() {
            return context -> {
                if (context.getParent() instanceof StandardHost host) {
                    host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                }
            };
        }
    }

    /** Warns at startup about {@code duckbridge.*} keys no component reads (a misspelled key is otherwise silent). */
    @Bean
    public static org.springframework.beans.factory.InitializingBean duckbridgeUnknownSettingsCheck(
            org.springframework.core.env.Environment environment) {
        return () -> UnknownSettings.warn(environment);
    }

    @Bean
    @ConditionalOnMissingBean
    public JobController duckbridgeJobController(JobRunner jobRunner) {
        return new JobController(jobRunner);
    }

    @Bean
    @ConditionalOnMissingBean
    public AnalyticsHealthController duckbridgeAnalyticsHealthController(
            DuckDbEngine engine, ObjectProvider<BackupService> backups) {
        return new AnalyticsHealthController(engine, backups);
    }

    @Bean
    @ConditionalOnMissingBean(name = "duckdbHealthIndicator")
    public DuckDbHealthIndicator duckdbHealthIndicator(DuckDbEngine engine) {
        return new DuckDbHealthIndicator(engine);
    }

    @Bean
    @ConditionalOnMissingBean(name = "postgresHealthIndicator")
    @ConditionalOnBean(PostgresSource.class)
    public PostgresHealthIndicator postgresHealthIndicator(ObjectProvider<PostgresSource> source) {
        return new PostgresHealthIndicator(source.getObject());
    }
}
