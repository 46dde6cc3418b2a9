package io.duckbridge.core.sync.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CopyTextDecoderTest {
    @Test
    void splitsFieldsAndUnescapes() {
        byte[] row = "1\t\\N\ttab\\there\\nnl\\\\\t\t\\x41\\101ü\n".getBytes(StandardCharsets.UTF_8);
        String[] fields = new String[5];
        CopyTextDecoder.decode(row, fields);
        assertThat(fields).containsExactly("1", null, "tab\there\nnl\\", "", "AAü");
    }
}
