package io.duckbridge.spring.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Every circuit breaker's state, failure rate and calls refused while open. DOWN while a breaker is open (the
 * dependency it guards is failing); not part of readiness, because queries keep being served from DuckDB.
 * Thread-safe.
 */
public class CircuitBreakersHealthIndicator extends AbstractHealthIndicator {
    private final CircuitBreakerRegistry breakers;

    public CircuitBreakersHealthIndicator(CircuitBreakerRegistry breakers) {
        super("circuit breaker health check failed");
        this.breakers = breakers;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean open = false;
        for (CircuitBreaker breaker : breakers.getAllCircuitBreakers()) {
            var metrics = breaker.getMetrics();
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("state", breaker.getState().name());
            detail.put("failureRate", metrics.getFailureRate());
            detail.put("failedCalls", metrics.getNumberOfFailedCalls());
            detail.put("notPermittedCalls", metrics.getNumberOfNotPermittedCalls());
            builder.withDetail(breaker.getName(), detail);
            open |= breaker.getState() == CircuitBreaker.State.OPEN
                    || breaker.getState() == CircuitBreaker.State.FORCED_OPEN;
        }
        if (open) {
            builder.down();
        } else {
            builder.up();
        }
    }
}
