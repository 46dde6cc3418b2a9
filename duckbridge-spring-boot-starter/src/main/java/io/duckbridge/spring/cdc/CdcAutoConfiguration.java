package io.duckbridge.spring.cdc;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.TableSync;
import io.duckbridge.core.sync.cdc.ChangeCapture;
import io.duckbridge.spring.DuckbridgeAutoConfiguration;
import io.duckbridge.spring.sync.SyncAutoConfiguration;
import io.duckbridge.spring.sync.SyncProperties;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;

/**
 * Wires change data capture: the {@link ChangeCapture} (when a source PostgreSQL is configured), the
 * {@code /api/v1/cdc} endpoints, the {@code cdc} health component, Micrometer gauges for lag and retained
 * WAL, and a lifecycle that starts CDC with the application when {@code duckbridge.cdc.enabled=true} and
 * stops it (keeping the slot) on shutdown. Every bean can be replaced.
 */
@AutoConfiguration(after = {DuckbridgeAutoConfiguration.class, SyncAutoConfiguration.class})
@EnableConfigurationProperties(CdcProperties.class)
public class CdcAutoConfiguration {
    /** How often an enabled CDC that could not reach PostgreSQL at start tries again. */
    static final java.time.Duration START_RETRY = java.time.Duration.ofSeconds(15);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean({DuckDbEngine.class, PostgresSource.class})
    public ChangeCapture duckbridgeChangeCapture(
            DuckDbEngine engine,
            PostgresSource source,
            CdcProperties cdc,
            ObjectProvider<SyncProperties> sync,
            ObjectProvider<TableSync> tableSync) {
        SyncProperties syncProperties = sync.getIfAvailable();
        ChangeCapture capture = new ChangeCapture(
                engine,
                source,
                syncProperties == null
                        ? cdc.toSettings(null, null)
                        : cdc.toSettings(
                                syncProperties.toSettings().mapping(),
                                syncProperties.toSettings().tables()));
        // a sync of a table the running stream keeps current would race it: the sync leaves those to CDC
        tableSync.ifAvailable(t -> t.leaveToChangeCapture(capture::streams));
        return capture;
    }

    @Bean
    @ConditionalOnMissingBean
    public CdcController duckbridgeCdcController(ObjectProvider<ChangeCapture> capture) {
        return new CdcController(capture);
    }

    @Bean
    @ConditionalOnMissingBean(name = "cdcHealthIndicator")
    @ConditionalOnBean(ChangeCapture.class)
    public CdcHealthIndicator cdcHealthIndicator(ChangeCapture capture, CdcProperties cdc) {
        return new CdcHealthIndicator(capture, cdc.lagThreshold(), cdc.enabled());
    }

    @Bean
    @ConditionalOnMissingBean(name = "duckbridgeCdcLifecycle")
    @ConditionalOnBean(ChangeCapture.class)
    public SmartLifecycle duckbridgeCdcLifecycle(ChangeCapture capture, CdcProperties cdc) {
        return new CdcAutoStart(capture, cdc.enabled(), START_RETRY);
    }

    /** Gauges and counters over {@link ChangeCapture#status()} (which caches PostgreSQL's view for a second). */
    @Bean
    @ConditionalOnMissingBean(name = "cdcMeterBinder")
    @ConditionalOnBean(ChangeCapture.class)
    @ConditionalOnClass(MeterBinder.class)
    public MeterBinder cdcMeterBinder(ChangeCapture capture) {
        return registry -> {
            Gauge.builder("duckbridge.cdc.lag.bytes", capture, c -> c.status().lagBytes())
                    .description("WAL bytes written after the last position confirmed by CDC")
                    .baseUnit("bytes")
                    .register(registry);
            Gauge.builder("duckbridge.cdc.lag.seconds", capture, c -> c.status().lagSeconds())
                    .description("How long ago DuckDB was last known to hold every change: the oldest change waiting to"
                            + " be applied, or the oldest heartbeat not yet received back")
                    .baseUnit("seconds")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.cdc.wal.retained.bytes",
                            capture,
                            c -> c.status().retainedWalBytes())
                    .description("WAL the server keeps for the CDC slot")
                    .baseUnit("bytes")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.cdc.changes.per.second",
                            capture,
                            c -> c.status().changesPerSecond())
                    .description("Changes applied per second over the last ten seconds")
                    .register(registry);
            FunctionCounter.builder("duckbridge.cdc.applied.changes", capture, c ->
                            (double) c.status().appliedChanges())
                    .description("Row changes applied to DuckDB by CDC")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.cdc.streaming",
                            capture,
                            c -> c.status().state() == io.duckbridge.core.sync.cdc.CdcState.STREAMING ? 1 : 0)
                    .description("1 while CDC streams, 0 otherwise")
                    .register(registry);
            Gauge.builder("duckbridge.cdc.start.refused", capture, c -> c.startRefusal() == null ? 0 : 1)
                    .description("1 while enabled CDC is not running because its start was refused (GET /api/v1/cdc"
                            + " says why), 0 otherwise")
                    .register(registry);
            Gauge.builder(
                            "duckbridge.cdc.failed.tables",
                            capture,
                            c -> c.status().tables().stream()
                                    .filter(t -> "failed".equals(t.state()))
                                    .count())
                    .description("Captured tables set aside (state failed) while the others stream;"
                            + " GET /api/v1/cdc says why")
                    .register(registry);
        };
    }
}
