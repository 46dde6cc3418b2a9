package io.duckbridge.spring.lake;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.lake.Lake;
import io.duckbridge.core.lake.LakeSettings;
import io.duckbridge.core.lake.ReadOnlyCheck;
import io.duckbridge.core.lake.S3Storage;
import io.duckbridge.core.lake.StoragePolicy;
import io.duckbridge.core.query.QueryGuard;
import io.duckbridge.spring.DuckbridgeAutoConfiguration;
import io.duckbridge.spring.DuckbridgeProperties;
import java.nio.file.Path;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Wires the Parquet lake: the S3 connection (credentials from the AWS default chain or the configured
 * profile; every request under the application's {@link StoragePolicy} bean, see
 * {@code DuckbridgeResilienceAutoConfiguration}), the {@link Lake} with export and import jobs, {@code /api/v1/exports} and {@code /api/v1/imports},
 * the {@code lake} health component and cron-scheduled exports. Query exports use the application's
 * {@link QueryGuard} bean, or one that allows no file reads. Every bean can be replaced.
 */
@AutoConfiguration(after = DuckbridgeAutoConfiguration.class)
@EnableConfigurationProperties(LakeProperties.class)
public class LakeAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public S3Storage duckbridgeS3Storage(LakeProperties properties, ObjectProvider<StoragePolicy> policy) {
        return S3Storage.open(properties.s3().toSettings(), policy.getIfAvailable(StoragePolicy::none));
    }

    @Bean
    @ConditionalOnMissingBean
    public Lake duckbridgeLake(
            DuckDbEngine engine,
            JobRunner jobs,
            DuckbridgeProperties duckbridge,
            LakeProperties properties,
            S3Storage s3,
            ObjectProvider<QueryGuard> guard,
            ObjectProvider<io.duckbridge.core.query.QueryRunner> queries) {
        LakeSettings settings = new LakeSettings(
                duckbridge.dataDir(),
                properties.maxStagingSize() == null
                        ? null
                        : properties.maxStagingSize().toBytes(),
                properties.minFreeStagingSize().toBytes());
        String database = engine.settings().databasePath();
        // the query API's guard, with its file roots (duckbridge.query.file-roots, default DATA-DIR/exports)
        QueryGuard queryGuard = guard.getIfAvailable(() -> {
            io.duckbridge.core.query.QueryRunner runner = queries.getIfAvailable();
            return runner != null
                    ? runner.guard()
                    : new QueryGuard(
                            List.of(duckbridge.dataDir().resolve("exports")),
                            engine.settings().inMemory() ? null : Path.of(database));
        });
        return new Lake(engine, jobs, settings, s3, ReadOnlyCheck.guardedBy(queryGuard, engine));
    }

    @Bean
    @ConditionalOnMissingBean
    public LakeController duckbridgeLakeController(Lake lake) {
        return new LakeController(lake);
    }

    @Bean
    @ConditionalOnMissingBean(name = "lakeHealthIndicator")
    public LakeHealthIndicator lakeHealthIndicator(Lake lake, LakeProperties properties) {
        return new LakeHealthIndicator(lake, properties.s3().healthBucket());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public LakeScheduler duckbridgeLakeScheduler(Lake lake, LakeProperties properties) {
        return new LakeScheduler(lake, properties.schedules());
    }
}
