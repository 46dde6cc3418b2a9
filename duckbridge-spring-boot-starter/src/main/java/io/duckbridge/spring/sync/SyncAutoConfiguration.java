package io.duckbridge.spring.sync;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.SyncMode;
import io.duckbridge.core.sync.TableSync;
import io.duckbridge.spring.DuckbridgeAutoConfiguration;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Wires {@link TableSync} (PostgreSQL → DuckDB sync), its REST endpoints and the optional cron schedules.
 * The source PostgreSQL may be absent (demo mode starts it later, or none is configured): syncs then fail
 * with SOURCE_UNAVAILABLE. Every bean can be replaced by declaring one of the same type.
 */
@AutoConfiguration(after = DuckbridgeAutoConfiguration.class)
@EnableConfigurationProperties(SyncProperties.class)
public class SyncAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public TableSync duckbridgeTableSync(
            DuckDbEngine engine, ObjectProvider<PostgresSource> source, JobRunner jobs, SyncProperties properties) {
        return new TableSync(engine, source::getIfAvailable, jobs, properties.toSettings());
    }

    @Bean
    @ConditionalOnMissingBean
    public SyncController duckbridgeSyncController(TableSync sync, SyncProperties properties) {
        return new SyncController(sync, properties);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public SyncScheduler duckbridgeSyncScheduler(TableSync sync, SyncProperties properties) {
        Map<SyncMode, String> schedules = new EnumMap<>(SyncMode.class);
        if (properties.schedule().full() != null) {
            schedules.put(SyncMode.FULL, properties.schedule().full());
        }
        if (properties.schedule().incremental() != null) {
            schedules.put(SyncMode.INCREMENTAL, properties.schedule().incremental());
        }
        return new SyncScheduler(sync, schedules, properties.schedule().optimize());
    }
}
