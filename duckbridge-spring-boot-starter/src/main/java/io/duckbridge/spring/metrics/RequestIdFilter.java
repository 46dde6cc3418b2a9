package io.duckbridge.spring.metrics;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id: the client's {@code X-Request-Id} when it is a short token, else a new UUID. The
 * id is in the logging MDC as {@code requestId} for every line logged while the request runs (structured logs
 * show it as a field) and is returned in the {@code X-Request-Id} response header. Runs first, so even refused
 * requests carry it. Thread-safe.
 */
public final class RequestIdFilter extends OncePerRequestFilter {
    /** The header carrying the id both ways. */
    public static final String HEADER = "X-Request-Id";
    /** The MDC key. */
    public static final String MDC_KEY = "requestId";

    /** The client ids the filter keeps; another is replaced by a new UUID. */
    public static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String given = request.getHeader(HEADER);
        String id = given != null && ACCEPTED.matcher(given).matches()
                ? given
                : UUID.randomUUID().toString();
        response.setHeader(HEADER, id);
        MDC.put(MDC_KEY, id);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }
}
