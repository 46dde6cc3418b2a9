package io.duckbridge.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** CLI commands print results on stdout, so library logging is limited to warnings for them. */
final class CliLogging {
    private CliLogging() {}

    static void quiet() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.WARN);
        }
    }
}
