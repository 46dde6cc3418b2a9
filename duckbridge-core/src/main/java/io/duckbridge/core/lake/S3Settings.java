package io.duckbridge.core.lake;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.net.URI;
import java.time.Duration;

/**
 * How to reach S3-compatible storage. Credentials are never part of the settings: they come from the AWS
 * default chain (environment, system properties, profile files, container and instance roles) or, when
 * {@code profile} is set, from that named profile.
 *
 * @param endpoint a custom endpoint such as {@code http://minio:9000}; null for AWS
 * @param region the signing region; default {@code us-east-1}
 * @param pathStyleAccess whether to address buckets as {@code endpoint/bucket} instead of {@code bucket.endpoint}
 * @param profile a named profile from the AWS config/credentials files; null for the default chain
 * @param partSizeBytes multipart part size (at least 5 MiB; default 8 MiB)
 * @param multipartThresholdBytes files larger than this are uploaded in parallel parts, smaller ones in one streamed PUT (default 100 MiB)
 * @param maxConcurrency parts (and small files) uploaded at once (default 8); also bounds part buffers in memory
 * @param timeout how long one request attempt may take before it is retried (default 5 minutes)
 * @param uploadDuringCopy whether an export sends the parts of a large file while DuckDB is still writing it
 *     ({@link GrowingFileUpload}) instead of after the COPY (default false: DuckDB rewrites bytes of a large
 *     Parquet file well behind its end while it writes, and then the file is uploaded a second time, whole)
 */
public record S3Settings(
        URI endpoint,
        String region,
        boolean pathStyleAccess,
        String profile,
        long partSizeBytes,
        long multipartThresholdBytes,
        int maxConcurrency,
        Duration timeout,
        boolean uploadDuringCopy) {

    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    public S3Settings {
        if (endpoint != null
                && (endpoint.getScheme() == null
                        || !(endpoint.getScheme().equals("http")
                                || endpoint.getScheme().equals("https")))) {
            throw invalid("duckbridge.lake.s3.endpoint \"" + endpoint + "\" is not an http(s) URL; use e.g."
                    + " http://127.0.0.1:9000");
        }
        region = region == null || region.isBlank() ? "us-east-1" : region.strip();
        profile = profile == null || profile.isBlank() ? null : profile.strip();
        if (partSizeBytes == 0) {
            partSizeBytes = 8L * 1024 * 1024;
        }
        if (partSizeBytes < MIN_PART_SIZE) {
            throw invalid("duckbridge.lake.s3.part-size " + partSizeBytes + " bytes is below S3's minimum of 5MB");
        }
        if (multipartThresholdBytes == 0) {
            multipartThresholdBytes = 100L * 1024 * 1024;
        }
        if (multipartThresholdBytes < partSizeBytes) {
            throw invalid("duckbridge.lake.s3.multipart-threshold must be at least the part size");
        }
        if (maxConcurrency == 0) {
            maxConcurrency = 8;
        }
        if (maxConcurrency < 1 || maxConcurrency > 64) {
            throw invalid("duckbridge.lake.s3.max-concurrency " + maxConcurrency + " is out of range; use 1 to 64");
        }
        if (timeout == null) {
            timeout = Duration.ofMinutes(5);
        }
    }

    /** AWS S3 in {@code us-east-1} with the default credential chain. */
    public static S3Settings defaults() {
        return new S3Settings(null, null, false, null, 0, 0, 0, null, false);
    }

    /** A custom endpoint with path-style access, as S3-compatible servers usually want. */
    public static S3Settings compatible(URI endpoint, String region) {
        return new S3Settings(endpoint, region, true, null, 0, 0, 0, null, false);
    }

    public S3Settings withPartSize(long partSize, long threshold) {
        return new S3Settings(
                endpoint,
                region,
                pathStyleAccess,
                profile,
                partSize,
                threshold,
                maxConcurrency,
                timeout,
                uploadDuringCopy);
    }

    public S3Settings withMaxConcurrency(int value) {
        return new S3Settings(
                endpoint,
                region,
                pathStyleAccess,
                profile,
                partSizeBytes,
                multipartThresholdBytes,
                value,
                timeout,
                uploadDuringCopy);
    }

    public S3Settings withTimeout(Duration value) {
        return new S3Settings(
                endpoint,
                region,
                pathStyleAccess,
                profile,
                partSizeBytes,
                multipartThresholdBytes,
                maxConcurrency,
                value,
                uploadDuringCopy);
    }

    public S3Settings withUploadDuringCopy(boolean value) {
        return new S3Settings(
                endpoint,
                region,
                pathStyleAccess,
                profile,
                partSizeBytes,
                multipartThresholdBytes,
                maxConcurrency,
                timeout,
                value);
    }

    private static DuckbridgeException invalid(String message) {
        return new DuckbridgeException(ErrorClass.INVALID_REQUEST, message);
    }
}
