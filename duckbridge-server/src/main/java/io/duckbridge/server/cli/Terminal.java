package io.duckbridge.server.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process's standard error is a terminal (progress bars are redrawn in place only there). */
final class Terminal {
    private Terminal() {}

    /**
     * True when standard error, where progress is drawn, is a terminal. On Linux that is read from what
     * descriptor 2 points to ({@code /dev/pts/N}, {@code /dev/ttyN}), so {@code 2>file} gets plain lines even
     * when standard output is a terminal. Elsewhere it falls back to {@link System#console()}, which covers
     * standard input and output: from JDK 22 it returns a console even when the streams are redirected, and
     * its {@code isTerminal()} (not in the JDK 21 API this project compiles against) tells; on JDK 21 a console
     * exists only on a terminal.
     */
    static boolean attached() {
        Path stderr = Path.of("/proc/self/fd/2");
        if (Files.isSymbolicLink(stderr)) {
            try {
                return isTerminalDevice(Files.readSymbolicLink(stderr).toString());
            } catch (IOException | UnsupportedOperationException e) {
                // fall back to the console below
            }
        }
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

    /** Whether {@code device}, the target of a descriptor's link, is a terminal. */
    static boolean isTerminalDevice(String device) {
        return device.startsWith("/dev/pts/") || device.startsWith("/dev/tty") || device.equals("/dev/console");
    }
}
