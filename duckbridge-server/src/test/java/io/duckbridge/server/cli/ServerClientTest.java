package io.duckbridge.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerClientTest {
    @Test
    void aPathSegmentKeepsSpacesPlusesAndQuotesAsTheyAre() {
        // a form-encoded "+" is a literal plus in a path: "MixedCase Tbl" reached the server as "MixedCase+Tbl"
        assertThat(ServerClient.pathSegment("public.\"MixedCase Tbl\"")).isEqualTo("public.%22MixedCase%20Tbl%22");
        assertThat(ServerClient.pathSegment("a+b")).isEqualTo("a%2Bb");
        assertThat(ServerClient.pathSegment("20261127T101500000Z-123456")).isEqualTo("20261127T101500000Z-123456");
    }
}
