package io.duckbridge.spring.resilience;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code duckbridge.resilience.*}: retries and circuit breakers around the source PostgreSQL and object storage.
 *
 * @param postgres the policy for connecting to PostgreSQL
 * @param objectStorage the policy for each request to S3-compatible object storage (lake and backups)
 */
@ConfigurationProperties("duckbridge.resilience")
public record ResilienceProperties(
        @DefaultValue Policy postgres, @DefaultValue Policy objectStorage) {

    /**
     * @param enabled whether calls are retried and guarded by a breaker
     * @param attempts attempts per call (1 = no retry)
     * @param firstBackoff wait before the second attempt; doubled for each further one
     * @param failureRateThreshold percent of failed attempts in the window that opens the breaker
     * @param window attempts the breaker looks at
     * @param openFor how long the breaker stays open before one trial call is let through
     */
    public record Policy(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("3") int attempts,
            @DefaultValue("200ms") Duration firstBackoff,
            @DefaultValue("50") float failureRateThreshold,
            @DefaultValue("10") int window,
            @DefaultValue("30s") Duration openFor) {
        public Policy {
            if (attempts < 1 || attempts > 20) {
                throw new IllegalArgumentException(
                        "duckbridge.resilience.*.attempts " + attempts + " is out of range; use 1 to 20");
            }
            if (failureRateThreshold <= 0 || failureRateThreshold > 100) {
                throw new IllegalArgumentException("duckbridge.resilience.*.failure-rate-threshold "
                        + failureRateThreshold + " is not a percentage; use e.g. 50");
            }
            if (window < 1) {
                throw new IllegalArgumentException("duckbridge.resilience.*.window " + window + " must be at least 1");
            }
            if (openFor == null || openFor.toMillis() < 1) {
                throw new IllegalArgumentException(
                        "duckbridge.resilience.*.open-for " + openFor + " must be positive; use e.g. 30s");
            }
            if (firstBackoff == null || firstBackoff.isNegative()) {
                throw new IllegalArgumentException("duckbridge.resilience.*.first-backoff " + firstBackoff
                        + " must not be negative; use e.g. 200ms");
            }
        }
    }
}
