package io.duckbridge.spring.query;

import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.query.QueryRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Publishes every query record to Micrometer: {@code duckbridge.query.duration} (timer, tagged with
 * kind, format and outcome), {@code duckbridge.query.rows} and {@code duckbridge.query.bytes} (counters),
 * {@code duckbridge.query.peak.memory} (summary, bytes) and {@code duckbridge.query.errors} (counter by
 * error class). Meters are looked up once per tag combination and kept, so recording a query does not
 * build meter ids. Thread-safe.
 */
final class QueryMeters implements Consumer<QueryRecord> {
    private final MeterRegistry registry;
    private final Counter rows;
    private final Counter bytes;
    private final DistributionSummary peakMemory;
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private final Map<ErrorClass, Counter> errors = new ConcurrentHashMap<>();

    QueryMeters(MeterRegistry registry) {
        this.registry = registry;
        this.rows = Counter.builder("duckbridge.query.rows").register(registry);
        this.bytes = Counter.builder("duckbridge.query.bytes").baseUnit("bytes").register(registry);
        this.peakMemory = DistributionSummary.builder("duckbridge.query.peak.memory")
                .baseUnit("bytes")
                .register(registry);
    }

    @Override
    public void accept(QueryRecord r) {
        String format = r.format() == null ? "none" : r.format().name().toLowerCase(Locale.ROOT);
        String outcome = r.succeeded() ? "success" : "error";
        durations
                .computeIfAbsent(
                        r.kind() + '\u0000' + format + '\u0000' + outcome,
                        key -> Timer.builder("duckbridge.query.duration")
                                .tag("kind", r.kind())
                                .tag("format", format)
                                .tag("outcome", outcome)
                                .publishPercentileHistogram()
                                .register(registry))
                .record((long) (r.durationMs() * 1_000_000), TimeUnit.NANOSECONDS);
        rows.increment(r.rows());
        bytes.increment(r.bytes());
        if (r.peakMemoryBytes() != null) {
            peakMemory.record(r.peakMemoryBytes());
        }
        if (!r.succeeded()) {
            errors.computeIfAbsent(
                            r.errorClass(),
                            c -> Counter.builder("duckbridge.query.errors")
                                    .tag("errorClass", c.name())
                                    .register(registry))
                    .increment();
        }
    }
}
