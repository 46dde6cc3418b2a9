package io.duckbridge.spring.metrics;

import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.spring.web.ProblemResponses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts every problem response by its error class ({@code duckbridge.errors}, tag {@code errorClass}), and
 * DuckDB running out of memory separately ({@code duckbridge.engine.out.of.memory}), from the class the error
 * mapping records on the request. Thread-safe.
 */
public final class ErrorMetricsFilter extends OncePerRequestFilter {
    private final Map<ErrorClass, Counter> byClass = new EnumMap<>(ErrorClass.class);
    private final Counter outOfMemory;

    public ErrorMetricsFilter(MeterRegistry registry) {
        for (ErrorClass c : ErrorClass.values()) {
            byClass.put(
                    c,
                    Counter.builder("duckbridge.errors")
                            .description("HTTP requests that failed, by error class")
                            .tag("errorClass", c.name())
                            .register(registry));
        }
        outOfMemory = Counter.builder("duckbridge.engine.out.of.memory")
                .description("requests refused because DuckDB ran out of memory (answered 503 with Retry-After)")
                .register(registry);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.getAttribute(ProblemResponses.ERROR_CLASS_ATTRIBUTE) instanceof ErrorClass c) {
                byClass.get(c).increment();
                if (c == ErrorClass.OUT_OF_MEMORY) {
                    outOfMemory.increment();
                }
            }
        }
    }
}
