package io.duckbridge.spring.web;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a request whose declared body ({@code Content-Length}) is larger than {@code maxBytes} with a 400
 * problem before anything reads it: the API's bodies are small JSON documents, and binding a body of tens of
 * megabytes (a query text, for instance) took hundreds of megabytes of heap per request. {@code POST
 * /api/v1/query} also caps bodies sent without a length (see {@code QueryServlet}). Thread-safe.
 */
public final class RequestBodyLimitFilter extends OncePerRequestFilter {
    private final long maxBytes;

    public RequestBodyLimitFilter(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        if (length > maxBytes) {
            ProblemResponses.write(
                    request,
                    response,
                    400,
                    null,
                    new DuckbridgeException(
                            ErrorClass.INVALID_REQUEST,
                            "the request body has " + length + " bytes; at most " + maxBytes + " are accepted"));
            return;
        }
        chain.doFilter(request, response);
    }
}
