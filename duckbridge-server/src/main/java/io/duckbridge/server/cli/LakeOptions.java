package io.duckbridge.server.cli;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.lake.Lake;
import io.duckbridge.core.lake.LakeSettings;
import io.duckbridge.core.lake.ReadOnlyCheck;
import io.duckbridge.core.lake.S3Settings;
import io.duckbridge.core.lake.S3Storage;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * What {@code export} and {@code import} need to work on the database file without a server: the object
 * storage connection (the service's {@code duckbridge.lake.s3.*} settings, from the same environment variables;
 * credentials from the AWS default chain or the named profile, never from an option) and a {@link Lake} on
 * the file, opened in this process.
 */
final class LakeOptions {
    @Option(
            names = "--s3-endpoint",
            defaultValue = "${env:DUCKBRIDGE_LAKE_S3_ENDPOINT}",
            description =
                    "S3-compatible endpoint for s3:// locations (default: $DUCKBRIDGE_LAKE_S3_ENDPOINT, else AWS)")
    URI endpoint;

    @Option(
            names = "--s3-region",
            defaultValue = "${env:DUCKBRIDGE_LAKE_S3_REGION}",
            description = "S3 region (default: $DUCKBRIDGE_LAKE_S3_REGION, else us-east-1)")
    String region;

    @Option(
            names = "--s3-path-style",
            defaultValue = "${env:DUCKBRIDGE_LAKE_S3_PATH_STYLE_ACCESS:-false}",
            fallbackValue = "true",
            arity = "0..1",
            description =
                    "whether to use path-style S3 URLs (default: $DUCKBRIDGE_LAKE_S3_PATH_STYLE_ACCESS, else false)")
    boolean pathStyle;

    @Option(
            names = "--s3-profile",
            defaultValue = "${env:DUCKBRIDGE_LAKE_S3_PROFILE}",
            description =
                    "AWS profile for the credentials (default: $DUCKBRIDGE_LAKE_S3_PROFILE, else the default chain)")
    String profile;

    /**
     * Runs {@code work} on a lake on the file (see {@link #withLake}) with a progress bar on stderr, and prints
     * its result as JSON.
     *
     * @return the exit status, 0
     */
    int runAndPrint(
            ServerOptions server,
            String location,
            BiFunction<Lake, JobContext, Map<String, Object>> work,
            PrintStream out) {
        Map<String, Object> result = withLake(server, location, l -> {
            var progress = new ConsoleProgress(System.err);
            Map<String, Object> r = work.apply(l, progress);
            progress.finish();
            return r;
        });
        CliCommand.printJson(out, result);
        return 0;
    }

    /**
     * Runs {@code work} with a lake on the database file of {@code server} (no server may hold it); S3 is
     * connected only when {@code location} is an {@code s3://} one. Query exports pass the same guard as the
     * service's, with its default file root (the data directory's exports).
     */
    private <T> T withLake(ServerOptions server, String location, Function<Lake, T> work) {
        Path file = server.existingDatabaseFile().toAbsolutePath();
        S3Storage s3 = location != null && location.startsWith("s3://")
                ? S3Storage.open(new S3Settings(endpoint, region, pathStyle, profile, 0, 0, 0, null, true))
                : null;
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            var lake = new Lake(
                    engine,
                    null,
                    LakeSettings.of(server.dataDir.toAbsolutePath()),
                    s3,
                    ReadOnlyCheck.guardedBy(server.queryGuard(), engine));
            return work.apply(lake);
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }
}
