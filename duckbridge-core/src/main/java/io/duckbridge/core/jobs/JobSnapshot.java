package io.duckbridge.core.jobs;

import io.duckbridge.core.error.DuckbridgeException;
import java.time.Instant;
import java.util.Map;

/**
 * An immutable view of a {@link Job}.
 *
 * @param total the expected amount, or -1 when unknown
 * @param result the body's result when succeeded, else null
 * @param error the failure when failed or cancelled, else null
 */
public record JobSnapshot(
        String id,
        JobKind kind,
        String description,
        JobStatus status,
        long done,
        long total,
        String unit,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Map<String, Object> result,
        DuckbridgeException error) {}
