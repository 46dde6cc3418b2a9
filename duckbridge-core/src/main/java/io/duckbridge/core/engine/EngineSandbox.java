package io.duckbridge.core.engine;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.nio.file.Path;
import java.util.List;

/**
 * DuckDB's own sandbox, applied once when the engine opens: after extensions are loaded and every
 * connection is made, the engine sets {@code allowed_directories}, {@code allowed_paths}, turns
 * {@code enable_external_access} off and, when asked, sets {@code lock_configuration}.
 *
 * <p>These settings are database-wide in DuckDB: they bind the service's own work (sync staging,
 * exports, backups) as much as user queries. Every directory the service writes or reads through DuckDB
 * must therefore be listed (the data directory normally covers staging, exports, backups and tmp). Once
 * the configuration is locked nobody, the service included, can {@code SET} anything; session settings
 * the engine needs (streaming results, profiling on the query readers) are made before locking.
 *
 * @param allowedDirectories directories DuckDB may read and write below (made absolute); not empty
 * @param allowedPaths single files or URL prefixes (such as {@code s3://bucket/prefix/}) DuckDB may use
 * @param lockConfiguration whether to set {@code lock_configuration} after applying the sandbox
 */
public record EngineSandbox(List<Path> allowedDirectories, List<String> allowedPaths, boolean lockConfiguration) {

    public EngineSandbox {
        if (allowedDirectories == null || allowedDirectories.isEmpty()) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "the DuckDB sandbox needs at least one allowed directory; use the data directory,"
                            + " e.g. ./duckbridge-data");
        }
        allowedDirectories = allowedDirectories.stream()
                .map(p -> p.toAbsolutePath().normalize())
                .distinct()
                .toList();
        allowedPaths = List.copyOf(allowedPaths == null ? List.of() : allowedPaths);
    }

    /** A locked sandbox limited to {@code directories}. */
    public static EngineSandbox of(Path... directories) {
        return new EngineSandbox(List.of(directories), List.of(), true);
    }
}
