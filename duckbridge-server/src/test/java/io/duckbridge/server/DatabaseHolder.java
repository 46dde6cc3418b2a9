package io.duckbridge.server;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import java.io.IOException;

/**
 * A separate process that holds a DuckDB file open, as a running server does: prints {@code ready FILE} once the
 * file is locked and keeps it until its stdin closes. Started by tests; not part of the product.
 */
final class DatabaseHolder {
    private DatabaseHolder() {}

    public static void main(String[] args) throws IOException {
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(args[0]).withReaders(1, 1))) {
            System.out.println("ready " + engine.settings().databasePath());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the test to close stdin
            }
        }
    }
}
