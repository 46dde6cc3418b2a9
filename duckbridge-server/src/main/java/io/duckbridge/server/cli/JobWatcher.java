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
    private final ServerClient client;
    private final PrintStream err;
    private final boolean terminal = Terminal.attached();

    JobWatcher(ServerClient client, PrintStream err) {
        this.client = client;
        this.err = err;
    }

    /** Polls {@code /api/v1/jobs/{id}} until the job ends; returns it, or throws its error. */
    JsonNode follow(String jobId) {
        long nextPrint = 0;
        while (true) {
            JsonNode job = client.get("/api/v1/jobs/" + jobId);
            String status = job.path("status").asString();
            long now = System.nanoTime();
            if (terminal || now >= nextPrint) {
                draw(job);
                nextPrint = now + 5_000_000_000L;
            }
            switch (status) {
                case "succeeded" -> {
                    if (terminal) {
                        err.println();
                    }
                    return job;
                }
                case "failed", "cancelled" -> {
                    if (terminal) {
                        err.println();
                    }
                    JsonNode error = job.path("error");
                    throw new Failed(
                            ServerClient.errorClass(error.path("errorClass").asString("INTERNAL")),
                            "job " + jobId + " " + status + ": "
                                    + error.path("detail").asString(status),
                            job);
                }
                default -> pause();
            }
        }
    }

    private void draw(JsonNode job) {
        JsonNode p = job.path("progress");
        long done = p.path("done").asLong();
        long total = p.path("total").isNumber() ? p.path("total").asLong() : -1;
        String unit = p.path("unit").asString("");
        String text;
        if (total > 0) {
            int pct = (int) Math.min(100, done * 100 / total);
            int filled = pct * 30 / 100;
            text = "[" + "#".repeat(filled) + " ".repeat(30 - filled) + "] " + pct + "% " + done + "/" + total + " "
                    + unit;
        } else {
            text = job.path("status").asString() + " " + done + " " + unit;
        }
        err.print(terminal ? "\r" + text : text + System.lineSeparator());
        err.flush();
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
