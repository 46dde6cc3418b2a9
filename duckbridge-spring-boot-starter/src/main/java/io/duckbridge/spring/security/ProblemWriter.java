package io.duckbridge.spring.security;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.spring.web.ProblemResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Answers refused requests with the same {@code application/problem+json} body as every other error, class
 * {@code PERMISSION}: 401 with {@code WWW-Authenticate: Bearer} when no valid key came, 403 when the key's
 * role is not enough. Thread-safe (stateless).
 */
final class ProblemWriter implements AuthenticationEntryPoint, AccessDeniedHandler {
    static final String MISSING =
            "this endpoint needs an API key: send Authorization: Bearer <key> or X-API-Key: <key>";
    static final String INVALID = "the API key is not valid";

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        String detail = e instanceof InvalidApiKeyException ? INVALID : MISSING;
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"duckbridge\"");
        write(response, 401, detail, request);
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        write(
                response,
                403,
                request.getMethod() + " " + request.getRequestURI() + " needs the admin role; this key is a reader",
                request);
    }

    private static void write(HttpServletResponse response, int status, String detail, HttpServletRequest request)
            throws IOException {
        ProblemResponses.write(
                request,
                response,
                status,
                status == 401 ? "Authentication required" : null,
                new DuckbridgeException(ErrorClass.PERMISSION, detail));
    }
}
