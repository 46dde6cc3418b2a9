package io.duckbridge.server.demo;

import java.nio.file.Path;

/**
 * A separate process that starts the demo PostgreSQL on a directory and prints {@code ready PID} (the
 * postmaster's, from its pid file), then waits to be killed. Started by tests; not part of the product.
 */
final class DemoPostgresHolder {
    private DemoPostgresHolder() {}

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        DemoPostgres.start(directory);
        String pid = java.nio.file.Files.readAllLines(directory.resolve("postmaster.pid"))
                .getFirst()
                .strip();
        System.out.println("ready " + pid);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
