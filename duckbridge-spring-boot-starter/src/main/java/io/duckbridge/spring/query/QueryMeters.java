package io.duckbridge.spring.query;

import io.duckbridge.core.query.QueryRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Publishes every query record to Micrometer: {@code duckbridge.query.duration} (timer, tagged with
 * kind, format and outcome), {@code duckbridge.query.rows} and {@code duckbridge.query.bytes} (counters),
 * {@code duckbridge.query.peak.memory} (summary, bytes) and {@code duckbridge.query.errors} (counter by
 * error class). Thread-safe.
 */
final class QueryMeters implements Consumer<QueryRecord> {
    private final MeterRegistry registry;

    QueryMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void accept(QueryRecord r) {
        String format = r.format() == null ? "none" : r.format().name().toLowerCase(java.util.Locale.ROOT);
        String outcome = r.succeeded() ? "success" : "error";
        Timer.builder("duckbridge.query.duration")
                .tag("kind", r.kind())
                .tag("format", format)
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofNanos((long) (r.durationMs() * 1_000_000)));
        Counter.builder("duckbridge.query.rows").register(registry).increment(r.rows());
        Counter.builder("duckbridge.query.bytes")
                .baseUnit("bytes")
                .register(registry)
                .increment(r.bytes());
        if (r.peakMemoryBytes() != null) {
            DistributionSummary.builder("duckbridge.query.peak.memory")
                    .baseUnit("bytes")
                    .register(registry)
                    .record(r.peakMemoryBytes());
        }
        if (!r.succeeded()) {
            Counter.builder("duckbridge.query.errors")
                    .tag("errorClass", r.errorClass().name())
                    .register(registry)
                    .increment();
        }
    }
}
