package io.duckbridge.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.ConsoleTarget;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Logging of the CLI commands: their stdout carries only the command's output (JSON, CSV, a table) so a
 * script can redirect and parse it, so library logging is limited to warnings and goes to stderr, beside
 * the progress bar and the error line. {@code serve} is not affected: it never calls this.
 */
final class CliLogging {
    private CliLogging() {}

    /**
     * Raises the root level to WARN and points every console appender that writes to stdout (Logback's
     * default configuration, or one a {@code logback.xml} set up) at stderr instead; file and other
     * appenders keep their targets.
     */
    static void quiet() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
        for (Logger logger : context.getLoggerList()) {
            for (Iterator<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> it = logger.iteratorForAppenders();
                    it.hasNext(); ) {
                if (it.next() instanceof ConsoleAppender<?> console
                        && ConsoleTarget.SystemOut.getName().equals(console.getTarget())) {
                    // the target is read when the appender starts
                    console.stop();
                    console.setTarget(ConsoleTarget.SystemErr.getName());
                    console.start();
                }
            }
        }
    }
}
