package io.duckbridge.server.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's embedded PostgreSQL: {@code wal_level=logical}, its cluster kept under the data directory so a
 * restart keeps the data. Thread-safe; {@link #close()} stops the server and is idempotent.
 */
public final class DemoPostgres implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DemoPostgres.class);
    private final EmbeddedPostgres postgres;
    private volatile boolean closed;

    private DemoPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts (initialising on first use) the cluster in {@code directory} on a free loopback port. */
    public static DemoPostgres start(Path directory) {
        try {
            Files.createDirectories(directory);
            var postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_wal_senders", "10")
                    .setServerConfig("max_replication_slots", "10")
                    .setServerConfig("max_wal_size", "2GB")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            log.info("demo PostgreSQL started on port {} with data in {}", postgres.getPort(), directory);
            return new DemoPostgres(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "could not start the demo PostgreSQL in " + directory + ": " + e.getMessage(), e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    }

    public String username() {
        return "postgres";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("stopping the demo PostgreSQL failed: {}", e.getMessage());
        }
    }
}
