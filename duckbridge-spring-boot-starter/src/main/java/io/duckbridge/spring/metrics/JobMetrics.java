package io.duckbridge.spring.metrics;

import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Meters over finished jobs: {@code duckbridge.jobs.duration{kind,status}} (a timer, so also a count), and for
 * syncs {@code duckbridge.sync.rows{mode}} (rows copied; its rate is sync rows/s) and
 * {@code duckbridge.sync.last.rows.per.second} (the throughput of the latest successful sync). Thread-safe.
 */
public final class JobMetrics implements MeterBinder {
    private final JobRunner jobs;
    private final AtomicLong lastSyncRowsPerSecond = new AtomicLong();

    public JobMetrics(JobRunner jobs) {
        this.jobs = jobs;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("duckbridge.sync.last.rows.per.second", lastSyncRowsPerSecond, AtomicLong::doubleValue)
                .description("rows per second of the latest successful sync job")
                .register(registry);
        jobs.onFinish(job -> record(registry, job));
    }

    private void record(MeterRegistry registry, JobSnapshot job) {
        if (job.startedAt() == null || job.finishedAt() == null) {
            return;
        }
        Duration took = Duration.between(job.startedAt(), job.finishedAt());
        Timer.builder("duckbridge.jobs.duration")
                .description("how long long-running jobs took")
                .tag("kind", job.kind().wireName())
                .tag("status", job.status().wireName())
                .register(registry)
                .record(took);
        if (job.kind() == JobKind.SYNC && job.result() != null && job.result().get("rows") instanceof Number rows) {
            Object mode = job.result().getOrDefault("mode", "full");
            Counter.builder("duckbridge.sync.rows")
                    .description("rows copied from PostgreSQL by sync jobs")
                    .tag("mode", String.valueOf(mode))
                    .register(registry)
                    .increment(rows.doubleValue());
            long millis = Math.max(1, took.toMillis());
            lastSyncRowsPerSecond.set(rows.longValue() * 1000 / millis);
        }
    }
}
