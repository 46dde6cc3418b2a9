package io.duckbridge.spring.security;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.spring.web.ProblemResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.DefaultCorsProcessor;

/**
 * Spring's CORS checks, with a refusal (an origin, method or header not allowed) answered as 403
 * problem+json like every other error, naming what was refused and the setting that allows it, instead of
 * Spring's plain-text "Invalid CORS request". Thread-safe (stateless).
 */
final class ProblemCorsProcessor extends DefaultCorsProcessor {
    @Override
    public boolean processRequest(CorsConfiguration config, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (super.processRequest(config, request, response)) {
            return true;
        }
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        String method = request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
        ProblemResponses.write(
                request,
                response,
                403,
                null,
                new DuckbridgeException(
                        ErrorClass.PERMISSION,
                        "cross-origin request from " + origin
                                + (method == null ? "" : " (" + method + ")")
                                + " refused: allow the origin with duckbridge.security.cors.allowed-origins, the"
                                + " method with duckbridge.security.cors.allowed-methods"));
        return false;
    }

    /** Leaves the refusal to {@link #processRequest}, which writes it as a problem. */
    @Override
    protected void rejectRequest(ServerHttpResponse response) {}
}
