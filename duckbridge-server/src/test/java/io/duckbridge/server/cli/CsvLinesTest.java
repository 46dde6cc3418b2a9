package io.duckbridge.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CsvLinesTest {
    private static final String SERVER_CSV = "s,n\r\n\"Zoë, \"\"Ærø\"\"\r\n日本語\",1\r\n😀,\r\n\"\",3\r\n";

    @Test
    void lineEndsBecomeATerminalsAndQuotedTextStaysAsItIsHoweverTheBytesArrive() throws Exception {
        byte[] bytes = SERVER_CSV.getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= bytes.length; chunk++) {
            var out = new ByteArrayOutputStream();
            var csv = new CsvLines(out, Long.MAX_VALUE);
            for (int i = 0; i < bytes.length; i += chunk) {
                csv.write(bytes, i, Math.min(chunk, bytes.length - i));
            }
            csv.finish();
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .as("chunks of %d bytes", chunk)
                    .isEqualTo("s,n\n\"Zoë, \"\"Ærø\"\"\r\n日本語\",1\n😀,\n\"\",3\n");
            assertThat(csv.truncated()).isFalse();
        }
    }

    @Test
    void recordsBeyondTheLimitAreDroppedAndReported() throws Exception {
        var out = new ByteArrayOutputStream();
        var csv = new CsvLines(out, 3);
        csv.write(SERVER_CSV.getBytes(StandardCharsets.UTF_8));
        csv.finish();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("s,n\n\"Zoë, \"\"Ærø\"\"\r\n日本語\",1\n😀,\n");
        assertThat(csv.truncated()).isTrue();

        var exact = new CsvLines(new ByteArrayOutputStream(), 5);
        exact.write(SERVER_CSV.getBytes(StandardCharsets.UTF_8));
        assertThat(exact.truncated()).isFalse();
    }

    @Test
    void aLastRecordWithoutLineEndGetsOne() throws Exception {
        var out = new ByteArrayOutputStream();
        var csv = new CsvLines(out, 10);
        csv.write("x\r\n1".getBytes(StandardCharsets.UTF_8));
        csv.finish();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("x\n1\n");
    }
}
