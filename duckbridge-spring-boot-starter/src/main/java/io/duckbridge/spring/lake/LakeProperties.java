package io.duckbridge.spring.lake;

import io.duckbridge.core.lake.S3Settings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code duckbridge.lake.*} settings: object storage and local staging. Credentials are never
 * configured here: they come from the AWS default chain or the named {@code profile}.
 *
 * @param s3 S3-compatible object storage
 * @param maxStagingSize how much one export or import may stage locally; unset for no limit beyond the disk
 * @param minFreeStagingSize refuse to start an export when the staging disk has less free space
 * @param schedules exports run on a cron schedule
 */
@ConfigurationProperties("duckbridge.lake")
public record LakeProperties(
        @DefaultValue S3 s3,
        DataSize maxStagingSize,
        @DefaultValue("64MB") DataSize minFreeStagingSize,
        @DefaultValue List<Schedule> schedules) {

    /**
     * @param endpoint custom endpoint (MinIO, Ceph, R2, ...); unset for AWS
     * @param region signing region
     * @param pathStyleAccess whether to address buckets as {@code endpoint/bucket}
     * @param profile named profile in the AWS config/credentials files; unset for the default chain
     * @param partSize multipart part size
     * @param multipartThreshold files larger than this are uploaded in parallel parts, smaller ones in one PUT
     * @param maxConcurrency parts uploaded at once
     * @param timeout how long one request attempt may take
     * @param healthBucket a bucket the health check lists to tell whether storage is reachable; unset: not probed
     * @param uploadDuringCopy whether exports upload parts of large files while DuckDB still writes them
     */
    public record S3(
            URI endpoint,
            @DefaultValue("us-east-1") String region,
            @DefaultValue("false") boolean pathStyleAccess,
            String profile,
            @DefaultValue("8MB") DataSize partSize,
            @DefaultValue("100MB") DataSize multipartThreshold,
            @DefaultValue("8") int maxConcurrency,
            @DefaultValue("5m") Duration timeout,
            String healthBucket,
            @DefaultValue("false") boolean uploadDuringCopy) {

        public S3Settings toSettings() {
            return new S3Settings(
                    endpoint,
                    region,
                    pathStyleAccess,
                    profile,
                    partSize.toBytes(),
                    multipartThreshold.toBytes(),
                    maxConcurrency,
                    timeout,
                    uploadDuringCopy);
        }
    }

    /**
     * One scheduled export: the fields of {@code POST /api/v1/exports} plus a cron expression.
     *
     * @param cron Spring cron expression with seconds, e.g. {@code 0 0 2 * * *} for 02:00 every day
     */
    public record Schedule(
            String cron,
            String table,
            String sql,
            String target,
            @DefaultValue List<String> partitionBy,
            @DefaultValue List<String> orderBy,
            String compression,
            Integer compressionLevel,
            Integer rowGroupSize,
            DataSize fileSize,
            @DefaultValue("overwrite") String mode) {}
}
