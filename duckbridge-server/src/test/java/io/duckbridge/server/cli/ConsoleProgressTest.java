package io.duckbridge.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
    @Test
    void withoutATerminalProgressIsPlainLinesNotABarRedrawnInPlace() {
        // the test JVM's streams are not a terminal (from JDK 22 System.console() exists all the same)
        assertThat(Terminal.attached()).isFalse();
        var bytes = new ByteArrayOutputStream();
        var progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        progress.total(100, "rows");
        progress.advance(10);
        progress.advance(90);
        progress.finish();
        String out = bytes.toString(StandardCharsets.UTF_8);
        // the work took less than the 5 s between lines: only the final state
        assertThat(out).isEqualTo("succeeded 100/100 rows" + System.lineSeparator());
    }

    @Test
    void progressIsDrawnOnlyWhenStandardErrorIsATerminalDevice() {
        // what /proc/self/fd/2 points to: a terminal, or a file or pipe (2>file while stdout is a terminal)
        assertThat(Terminal.isTerminalDevice("/dev/pts/3")).isTrue();
        assertThat(Terminal.isTerminalDevice("/dev/tty1")).isTrue();
        assertThat(Terminal.isTerminalDevice("/tmp/errors.log")).isFalse();
        assertThat(Terminal.isTerminalDevice("pipe:[123456]")).isFalse();
        assertThat(Terminal.isTerminalDevice("/dev/null")).isFalse();
    }
}
