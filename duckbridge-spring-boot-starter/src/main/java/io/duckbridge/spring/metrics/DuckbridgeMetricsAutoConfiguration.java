package io.duckbridge.spring.metrics;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.jobs.JobRunner;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

/**
 * Engine gauges, error counters and the request id on every log line. Every bean can be replaced.
 */
@AutoConfiguration(
        afterName = {
            "io.duckbridge.spring.DuckbridgeAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration"
        })
public class DuckbridgeMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(DuckDbEngine.class)
    public EngineMetrics duckbridgeEngineMetrics(DuckDbEngine engine) {
        return new EngineMetrics(engine, Duration.ofSeconds(5));
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(JobRunner.class)
    public JobMetrics duckbridgeJobMetrics(JobRunner jobs) {
        return new JobMetrics(jobs);
    }

    /**
     * Bodies beyond what any of Duckbridge's endpoints takes are refused before they are read (after the
     * request id, so the refusal carries one). Only on Duckbridge's API: an application that embeds the
     * starter keeps its own limits for its own paths (uploads, say).
     */
    @Bean
    @ConditionalOnMissingBean(name = "duckbridgeRequestBodyLimitFilter")
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    public FilterRegistrationBean<io.duckbridge.spring.web.RequestBodyLimitFilter> duckbridgeRequestBodyLimitFilter() {
        var registration = new FilterRegistrationBean<>(new io.duckbridge.spring.web.RequestBodyLimitFilter(
                io.duckbridge.spring.web.RequestBodyLimitFilter.MAX_BYTES));
        registration.addUrlPatterns("/api/*", "/analytics/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }

    /** The actuator's own empty error answers (an unknown health component, say) get a problem body. */
    @Bean
    @ConditionalOnMissingBean(name = "duckbridgeActuatorProblemFilter")
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    public FilterRegistrationBean<io.duckbridge.spring.web.ActuatorProblemFilter> duckbridgeActuatorProblemFilter() {
        var registration = new FilterRegistrationBean<>(new io.duckbridge.spring.web.ActuatorProblemFilter());
        registration.addUrlPatterns("/actuator/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        return registration;
    }

    @Bean
    @ConditionalOnMissingBean(name = "duckbridgeRequestIdFilter")
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    public FilterRegistrationBean<RequestIdFilter> duckbridgeRequestIdFilter() {
        var registration = new FilterRegistrationBean<>(new RequestIdFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    @Bean
    @ConditionalOnMissingBean(name = "duckbridgeErrorMetricsFilter")
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnBean(MeterRegistry.class)
    public FilterRegistrationBean<ErrorMetricsFilter> duckbridgeErrorMetricsFilter(MeterRegistry registry) {
        var registration = new FilterRegistrationBean<>(new ErrorMetricsFilter(registry));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }
}
