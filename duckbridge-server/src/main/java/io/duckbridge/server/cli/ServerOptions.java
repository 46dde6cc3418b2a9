package io.duckbridge.server.cli;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.lake.LakeSettings;
import io.duckbridge.core.query.QueryGuard;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every CLI command shares: where the database is, or which server to go through. */
final class ServerOptions {
    @Option(names = "--url", description = "a running Duckbridge server, e.g. http://localhost:8080")
    URI url;

    @Option(
            names = "--api-key",
            defaultValue = "${env:DUCKBRIDGE_API_KEY}",
            description = "API key for --url (default: $DUCKBRIDGE_API_KEY)")
    String apiKey;

    @Option(
            names = "--data-dir",
            defaultValue = "./duckbridge-data",
            description = "data directory (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--database", description = "DuckDB file (default: DATA-DIR/analytics.duckdb)")
    Path database;

    boolean remote() {
        return url != null;
    }

    ServerClient client() {
        String scheme = url.getScheme();
        if (scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || url.getHost() == null) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "--url " + url + " is not an http:// or https:// address of a server; pass e.g."
                            + " --url http://localhost:8080");
        }
        return new ServerClient(url, apiKey);
    }

    Path databaseFile() {
        return database != null ? database : dataDir.resolve("analytics.duckdb");
    }

    /**
     * The guard of {@code POST /api/v1/query} with the service's default file root ({@code DATA-DIR/exports}),
     * for commands that run user SQL on the database file ({@code query}, {@code export --sql}).
     */
    QueryGuard queryGuard() {
        return new QueryGuard(
                List.of(LakeSettings.of(dataDir.toAbsolutePath()).exportsDir()),
                databaseFile().toAbsolutePath());
    }

    /** The database file, which must exist for offline commands. */
    Path existingDatabaseFile() {
        Path file = databaseFile();
        if (!file.toFile().exists()) {
            throw new DuckbridgeException(
                    ErrorClass.NOT_FOUND, "no database at " + file + "; pass --database or --data-dir, or --url");
        }
        return file;
    }
}
