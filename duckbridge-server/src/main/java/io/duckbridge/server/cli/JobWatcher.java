package io.duckbridge.server.cli;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.PrintStream;
import tools.jackson.databind.JsonNode;

/**
 * Follows a server-side job until it ends, drawing a progress bar on a terminal (plain progress lines
 * otherwise). Confined to the calling thread.
 */
final class JobWatcher {
    /** Between two progress lines when stderr is not a terminal. */
    static final long LINE_INTERVAL_NANOS = 5_000_000_000L;

    private final ServerClient client;
    private final PrintStream err;
    private final boolean terminal = Terminal.attached();

    JobWatcher(ServerClient client, PrintStream err) {
        this.client = client;
        this.err = err;
    }

    /**
     * Polls {@code /api/v1/jobs/{id}} until the job ends; returns it, or throws its error. On a terminal the bar
     * is redrawn at each poll; otherwise a line is printed every 5 s, the first after 5 s (a job that fails at
     * once prints only its error, not a {@code running 0 rows} before it), and the job's final state ends the
     * progress when it succeeded or when earlier lines were printed, so a log never ends at a stale percentage.
     */
    JsonNode follow(String jobId) {
        long nextPrint = System.nanoTime() + LINE_INTERVAL_NANOS;
        boolean printed = false;
        while (true) {
            JsonNode job = client.get("/api/v1/jobs/" + jobId);
            String status = job.path("status").asString();
            boolean ended = status.equals("succeeded") || status.equals("failed") || status.equals("cancelled");
            long now = System.nanoTime();
            if (terminal) {
                draw(job);
                printed = true;
            } else if (ended ? printed || status.equals("succeeded") : now - nextPrint >= 0) {
                err.println(ended ? finalLine(job) : line(job));
                err.flush();
                printed = true;
                nextPrint = now + LINE_INTERVAL_NANOS;
            }
            if (!ended) {
                pause();
                continue;
            }
            if (terminal) {
                err.println();
            }
            if (status.equals("succeeded")) {
                return job;
            }
            JsonNode error = job.path("error");
            throw new Failed(
                    ServerClient.errorClass(error.path("errorClass").asString("INTERNAL")),
                    "job " + jobId + " " + status + ": " + error.path("detail").asString(status),
                    job);
        }
    }

    private void draw(JsonNode job) {
        err.print("\r" + line(job));
        err.flush();
    }

    /** The bar of a job's progress, or its status and count when the total is unknown. */
    private static String line(JsonNode job) {
        JsonNode p = job.path("progress");
        long done = p.path("done").asLong();
        long total = p.path("total").isNumber() ? p.path("total").asLong() : -1;
        String unit = p.path("unit").asString("");
        return total > 0 ? bar(done, total, unit) : job.path("status").asString() + " " + done + " " + unit;
    }

    /** {@code succeeded 1500000/1500000 rows}: how the job ended and how far it got. */
    static String finalLine(JsonNode job) {
        JsonNode p = job.path("progress");
        return finalLine(
                job.path("status").asString(),
                p.path("done").asLong(),
                p.path("total").isNumber() ? p.path("total").asLong() : -1,
                p.path("unit").asString(""));
    }

    /** {@code status done/total unit}, or {@code status done unit} when the total is unknown. */
    static String finalLine(String status, long done, long total, String unit) {
        return (status + " " + done + (total > 0 ? "/" + total : "") + " " + unit).strip();
    }

    /** {@code [#####     ] 50% 5/10 rows}, or {@code 5 rows} when the total is unknown. */
    static String bar(long done, long total, String unit) {
        if (total <= 0) {
            return done + " " + unit;
        }
        int pct = (int) Math.min(100, done * 100 / total);
        int filled = pct * 30 / 100;
        return "[" + "#".repeat(filled) + " ".repeat(30 - filled) + "] " + pct + "% " + done + "/" + total + " " + unit;
    }

    private static void pause() {
        try {
            Thread.sleep(250); // polling interval between status requests
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DuckbridgeException(ErrorClass.CANCELLED, "interrupted while following the job", e);
        }
    }

    /** A job that ended failed or cancelled, with its last state (a sync's per-table results, say). */
    static final class Failed extends DuckbridgeException {
        private static final long serialVersionUID = 1L;
        private final transient JsonNode job;

        Failed(io.duckbridge.core.error.ErrorClass errorClass, String message, JsonNode job) {
            super(errorClass, message);
            this.job = job;
        }

        JsonNode job() {
            return job;
        }
    }
}
