package io.duckbridge.server.cli;

import io.duckbridge.core.error.DuckbridgeException;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the CLI commands share: the database/server options, quiet logging, one error line and exit status 1
 * on failure, and following a server-side job to its result.
 */
abstract class CliCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    ServerOptions server = new ServerOptions();

    @Override
    public final Integer call() {
        CliLogging.quiet();
        try {
            return run(System.out);
        } catch (DuckbridgeException e) {
            System.err.println("error: " + e.errorClass() + ": " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            // a failure nobody classified: one line, as for the others, not a stack trace
            System.err.println("error: INTERNAL: " + e);
            return 1;
        }
    }

    abstract int run(PrintStream out);

    /** Follows the job a server answered with ({@code {"jobId"}}) and prints its result as JSON. */
    static int followAndPrint(ServerClient client, JsonNode started, PrintStream out) {
        String jobId = started.path("jobId").asString(started.path("id").asString(null));
        if (jobId == null) {
            out.println(JsonMapper.shared().writeValueAsString(started));
            return 0;
        }
        JsonNode job;
        // Ctrl-C ends this process; the hook cancels the job on the server too, which would otherwise run on
        // with no one following it
        Thread cancelOnExit = new Thread(
                () -> {
                    client.cancelJobQuietly(jobId);
                    System.err.println("cancelled job " + jobId + " on the server");
                },
                "duckbridge-job-cancel");
        Runtime.getRuntime().addShutdownHook(cancelOnExit);
        try {
            job = new JobWatcher(client, System.err).follow(jobId);
        } catch (JobWatcher.Failed failed) {
            // what did succeed (the tables of a sync that did) goes to stdout, the failure to stderr and the exit code
            JsonNode result = failed.job().path("result");
            if (result.isObject() && !result.isEmpty()) {
                printJson(out, result);
            }
            throw failed;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cancelOnExit);
            } catch (IllegalStateException exiting) {
                // the hook is running already
            }
        }
        printJson(out, job.path("result"));
        return 0;
    }

    /** Prints a result as indented JSON. */
    static void printJson(PrintStream out, Object value) {
        out.println(JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(value));
    }
}
