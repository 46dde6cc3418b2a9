package io.duckbridge.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ServerClientTest {
    @Test
    void aPathSegmentKeepsSpacesPlusesAndQuotesAsTheyAre() {
        // a form-encoded "+" is a literal plus in a path: "MixedCase Tbl" reached the server as "MixedCase+Tbl"
        assertThat(ServerClient.pathSegment("public.\"MixedCase Tbl\"")).isEqualTo("public.%22MixedCase%20Tbl%22");
        assertThat(ServerClient.pathSegment("a+b")).isEqualTo("a%2Bb");
        assertThat(ServerClient.pathSegment("20261127T101500000Z-123456")).isEqualTo("20261127T101500000Z-123456");
    }

    @Test
    void requestsGoUnderThePathOfTheUrl() {
        // found by an acceptance tester: --url http://host:port/duckbridge/ sent POST /api/v1/query to the root
        URI api = URI.create("/api/v1/sync?mode=full&table=public.sl%2Fash");
        assertThat(ServerClient.address(URI.create("http://127.0.0.1:18303/duckbridge/"), api.toString()))
                .hasToString("http://127.0.0.1:18303/duckbridge/api/v1/sync?mode=full&table=public.sl%2Fash");
        assertThat(ServerClient.address(URI.create("https://proxy.example/a/duckbridge"), "/api/v1/jobs/j%201"))
                .hasToString("https://proxy.example/a/duckbridge/api/v1/jobs/j%201");
        assertThat(ServerClient.address(URI.create("http://localhost:8080"), "/api/v1/query"))
                .hasToString("http://localhost:8080/api/v1/query");
        assertThat(ServerClient.address(URI.create("http://user@[::1]:8080/"), "/api/v1/query"))
                .hasToString("http://user@[::1]:8080/api/v1/query");
    }
}
