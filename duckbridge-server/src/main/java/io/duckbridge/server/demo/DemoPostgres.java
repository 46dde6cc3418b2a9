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
            stopOrphan(directory);
            var postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    // the application context stops it (close()) after graceful shutdown has let running
                    // syncs, CDC batches and queries finish; the library's own JVM hook would stop it at once
                    .setRegisterShutdownHook(false)
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

    /**
     * Stops the postmaster a killed demo left running on {@code directory} (its {@code postmaster.pid} names a
     * live postgres process whose parent is gone), which would otherwise keep the cluster locked: the next
     * start waited a minute and failed. A postmaster whose parent still runs belongs to a live process and is
     * left alone.
     */
    static void stopOrphan(Path directory) throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().strip());
        } catch (RuntimeException e) {
            return; // not a pid file PostgreSQL wrote: PostgreSQL itself will say what is wrong
        }
        ProcessHandle process = ProcessHandle.of(pid).orElse(null);
        if (process == null
                || !process.isAlive()
                || !process.info().command().orElse("").endsWith("postgres")) {
            return;
        }
        boolean orphaned = process.parent()
                .map(parent ->
                        parent.pid() == 1 || !parent.info().command().orElse("").contains("java"))
                .orElse(true);
        if (!orphaned) {
            return;
        }
        log.warn("stopping the demo PostgreSQL (PID {}) that a stopped Duckbridge left running on {}", pid, directory);
        process.destroy(); // SIGTERM: PostgreSQL's smart shutdown
        try {
            process.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.debug("waiting for PID {} failed: {}", pid, e.getMessage());
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
