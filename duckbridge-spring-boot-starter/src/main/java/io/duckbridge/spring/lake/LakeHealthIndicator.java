package io.duckbridge.spring.lake;

import io.duckbridge.core.lake.Lake;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the lake: which path object storage uses ({@code sdk}: the AWS SDK with local staging;
 * DuckDB's {@code httpfs} is not used) and, when {@code duckbridge.lake.s3.health-bucket} is set, whether
 * that bucket can be listed (DOWN when not). Thread-safe.
 */
public class LakeHealthIndicator extends AbstractHealthIndicator {
    private final Lake lake;
    private final String bucket;

    public LakeHealthIndicator(Lake lake, String bucket) {
        super("lake health check failed");
        this.lake = lake;
        this.bucket = bucket == null || bucket.isBlank() ? null : bucket;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Map<String, Object> details = lake.health(bucket);
        if (Boolean.FALSE.equals(details.get("reachable"))) {
            builder.down();
        } else {
            builder.up();
        }
        if (bucket == null && "sdk".equals(details.get("path"))) {
            // reachable stays a boolean when present; without a bucket to list there is no answer to give
            details.remove("reachable");
            details.put("probe", "none (set duckbridge.lake.s3.health-bucket to check that the storage answers)");
        }
        builder.withDetails(details);
    }
}
