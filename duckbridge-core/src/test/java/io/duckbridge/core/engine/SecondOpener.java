package io.duckbridge.core.engine;

import io.duckbridge.core.error.DuckbridgeException;

/** Opens a database file in a separate JVM, printing the error class and message on failure. */
public final class SecondOpener {
    private SecondOpener() {}

    public static void main(String[] args) {
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(args[0]).withThreads(1))) {
            System.out.println("OPENED " + engine.settings().databasePath());
        } catch (DuckbridgeException e) {
            System.out.println(e.errorClass() + " " + e.getMessage());
        }
    }
}
