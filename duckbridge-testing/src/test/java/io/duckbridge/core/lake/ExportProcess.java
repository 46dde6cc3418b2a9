package io.duckbridge.core.lake;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import java.net.URI;
import java.nio.file.Path;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A separate JVM that exports a large table to S3, so a test can kill it in the middle of the upload.
 * Arguments: data directory, endpoint, access key, secret key, target, rows.
 */
public final class ExportProcess {
    private ExportProcess() {}

    public static void main(String[] args) {
        Path dataDir = Path.of(args[0]);
        S3Settings settings = S3Settings.compatible(URI.create(args[1]), "us-east-1")
                .withPartSize(S3Settings.MIN_PART_SIZE, S3Settings.MIN_PART_SIZE)
                .withMaxConcurrency(2);
        try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(
                        dataDir.resolve("analytics.duckdb").toString()));
                S3Storage storage = S3Storage.open(
                        settings, StaticCredentialsProvider.create(AwsBasicCredentials.create(args[2], args[3])))) {
            engine.executeOnLane("CREATE OR REPLACE TABLE big AS SELECT i, lpad(i::VARCHAR, 100, 'abcdefghij') AS"
                    + " payload FROM range(" + Long.parseLong(args[5]) + ") t(i)");
            System.out.println("exporting");
            Lake lake = new Lake(engine, null, LakeSettings.of(dataDir), storage, null);
            lake.export(
                    new ExportRequest("big", null, args[4], null, null, "uncompressed", null, null, null, null),
                    JobContext.none());
            System.out.println("exported");
        }
    }
}
