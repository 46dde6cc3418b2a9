package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Progress of a job followed through {@code --url} when stderr is not a terminal (a fake server). */
@Timeout(30)
class SyncCommandRemoteTest {
    private static final String JSON = "application/json";

    @Test
    void aLogEndsWithTheJobsFinalStateNotAStalePercentage() throws Exception {
        // found by an acceptance tester: a 1.5M-row sync with 2>file ended with "[###   ] 12% 194560/1500000 rows"
        try (var server = new FakeServer()
                .answer("POST /api/v1/sync", 202, JSON, "{\"jobId\":\"j1\"}")
                .answer(
                        "GET /api/v1/jobs/j1",
                        200,
                        JSON,
                        job("running", 194560),
                        job("running", 900000),
                        "{\"id\":\"j1\",\"status\":\"succeeded\",\"progress\":{\"done\":1500000,\"total\":1500000,"
                                + "\"unit\":\"rows\"},\"result\":{\"public.big\":{\"rows\":1500000}}}")) {
            CliRun run = CliRun.of("sync", "public.big", "--url", server.url());
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.err()).isEqualTo("succeeded 1500000/1500000 rows\n");
            assertThat(run.out()).contains("\"rows\" : 1500000");
        }
    }

    @Test
    void aJobThatFailsAtOncePrintsOnlyItsError() throws Exception {
        // found by an acceptance tester: "sync nosuch" printed "running 0 rows" before its error
        try (var server = new FakeServer()
                .answer("POST /api/v1/sync", 202, JSON, "{\"jobId\":\"j2\"}")
                .answer(
                        "GET /api/v1/jobs/j2",
                        200,
                        JSON,
                        "{\"id\":\"j2\",\"status\":\"running\",\"progress\":{\"done\":0,\"unit\":\"rows\"}}",
                        "{\"id\":\"j2\",\"status\":\"failed\",\"progress\":{\"done\":0,\"unit\":\"rows\"},"
                                + "\"error\":{\"errorClass\":\"NOT_FOUND\",\"detail\":\"no table public.nosuch\"}}")) {
            CliRun run = CliRun.of("sync", "nosuch", "--url", server.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("error: NOT_FOUND: job j2 failed: no table public.nosuch\n");
            assertThat(server.requests.getFirst().uri()).isEqualTo("/api/v1/sync?mode=full&table=nosuch");
        }
    }

    private static String job(String status, long done) {
        return "{\"id\":\"j1\",\"status\":\"" + status + "\",\"progress\":{\"done\":" + done
                + ",\"total\":1500000,\"unit\":\"rows\"}}";
    }
}
