package io.duckbridge.core.jobs;

import java.util.Map;

/** The work of a job. Its result is a JSON-friendly map (strings, numbers, booleans, lists, maps). */
@FunctionalInterface
public interface JobBody {
    Map<String, Object> run(JobContext context) throws Exception;
}
