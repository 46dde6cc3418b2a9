package io.duckbridge.server.cli;

import java.io.Console;

/** Whether this process writes to a terminal (progress bars are redrawn in place only there). */
final class Terminal {
    private Terminal() {}

    /**
     * True when standard input and output are a terminal. From JDK 22 {@link System#console()} returns a
     * console even when the streams are redirected, and its {@code isTerminal()} (not in the JDK 21 API this
     * project compiles against) tells; on JDK 21 a console exists only on a terminal.
     */
    static boolean attached() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException jdk21) {
            return true;
        }
    }
}
