package io.duckbridge.spring;

import io.duckbridge.core.error.DuckbridgeException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a startup failure caused by a {@link DuckbridgeException} (a bad setting, a locked database file,
 * a missing extension) into Spring Boot's short "APPLICATION FAILED TO START" report with the message that
 * names the setting and the fix, instead of a wall of stack frames.
 */
public class DuckbridgeFailureAnalyzer extends AbstractFailureAnalyzer<DuckbridgeException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DuckbridgeException cause) {
        return new FailureAnalysis(
                "Duckbridge could not start (" + cause.errorClass() + "): " + cause.getMessage(),
                "Fix the setting or resource named above and start again. Settings: duckbridge.* properties or"
                        + " their environment variables (e.g. DUCKBRIDGE_DUCKDB_MEMORY_LIMIT, DUCKDB_MEMORY_LIMIT).",
                cause);
    }
}
