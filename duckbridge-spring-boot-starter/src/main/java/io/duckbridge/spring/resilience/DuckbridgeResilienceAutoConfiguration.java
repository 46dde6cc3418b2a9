package io.duckbridge.spring.resilience;

import io.duckbridge.core.lake.StoragePolicy;
import io.duckbridge.core.source.ConnectionPolicy;
import io.duckbridge.core.source.PostgresSource;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.RetryRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Retries with backoff and a circuit breaker ({@code postgres}) around every connection to the source
 * PostgreSQL — applied to whichever {@link PostgresSource} bean the application has, so every feature that
 * connects through it is covered — and ({@code object-storage}) around every request to S3-compatible object
 * storage, through the {@link StoragePolicy} bean the lake's {@code S3Storage} is opened with. The breakers' state
 * is in health ({@code circuitBreakers}), breaker and retry meters in {@code resilience4j_circuitbreaker_*} and
 * {@code resilience4j_retry_*}. Every bean can be replaced.
 */
@AutoConfiguration
@EnableConfigurationProperties(ResilienceProperties.class)
public class DuckbridgeResilienceAutoConfiguration {
    /** The name of the breaker and retry around PostgreSQL connections. */
    public static final String POSTGRES = "postgres";

    /** The name of the breaker and retry around object-storage requests. */
    public static final String OBJECT_STORAGE = "object-storage";

    @Bean
    @ConditionalOnMissingBean
    public CircuitBreakerRegistry duckbridgeCircuitBreakerRegistry() {
        return CircuitBreakerRegistry.ofDefaults();
    }

    @Bean
    @ConditionalOnMissingBean
    public RetryRegistry duckbridgeRetryRegistry() {
        return RetryRegistry.ofDefaults();
    }

    @Bean
    @ConditionalOnMissingBean
    public TaggedCircuitBreakerMetrics duckbridgeCircuitBreakerMetrics(CircuitBreakerRegistry breakers) {
        return TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers);
    }

    @Bean
    @ConditionalOnMissingBean
    public TaggedRetryMetrics duckbridgeRetryMetrics(RetryRegistry retries) {
        return TaggedRetryMetrics.ofRetryRegistry(retries);
    }

    @Bean
    @ConditionalOnMissingBean(name = "circuitBreakersHealthIndicator")
    public CircuitBreakersHealthIndicator circuitBreakersHealthIndicator(CircuitBreakerRegistry breakers) {
        return new CircuitBreakersHealthIndicator(breakers);
    }

    /** The policy every object-storage request is sent under; {@link StoragePolicy#none()} when disabled. */
    @Bean
    @ConditionalOnMissingBean
    public StoragePolicy duckbridgeStoragePolicy(
            ResilienceProperties properties, CircuitBreakerRegistry breakers, RetryRegistry retries) {
        var policy = properties.objectStorage();
        if (!policy.enabled()) {
            return StoragePolicy.none();
        }
        return StoragePolicy.of(
                OBJECT_STORAGE,
                policy.attempts(),
                policy.firstBackoff(),
                policy.failureRateThreshold(),
                policy.window(),
                policy.openFor(),
                breakers,
                retries);
    }

    /** Puts every {@link PostgresSource} bean that has no policy of its own under the configured one. */
    @Bean
    static BeanPostProcessor duckbridgePostgresResilience(
            ObjectProvider<ResilienceProperties> properties,
            ObjectProvider<CircuitBreakerRegistry> breakers,
            ObjectProvider<RetryRegistry> retries) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (!(bean instanceof PostgresSource source) || source.policy() != ConnectionPolicy.none()) {
                    return bean;
                }
                var policy = properties.getObject().postgres();
                if (!policy.enabled()) {
                    return bean;
                }
                return source.withPolicy(ConnectionPolicy.of(
                        POSTGRES,
                        policy.attempts(),
                        policy.firstBackoff(),
                        policy.failureRateThreshold(),
                        policy.window(),
                        policy.openFor(),
                        breakers.getObject(),
                        retries.getObject()));
            }
        };
    }
}
