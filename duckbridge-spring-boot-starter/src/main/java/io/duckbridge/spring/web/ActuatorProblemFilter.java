package io.duckbridge.spring.web;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives the actuator's own error answers a problem body: an unknown health component or metric is a 404 with an
 * empty body from Spring Boot, where API.md promises {@code application/problem+json} for every error. Answers
 * with a body (a health document that is DOWN, say) are left as they are. Thread-safe.
 */
public final class ActuatorProblemFilter extends OncePerRequestFilter {
    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Watched watched = new Watched(response);
        chain.doFilter(request, watched);
        int status = watched.getStatus();
        if (status >= 400 && !watched.bodyStarted && !response.isCommitted()) {
            ProblemResponses.write(
                    request,
                    response,
                    status,
                    null,
                    new DuckbridgeException(
                            status == 404
                                    ? ErrorClass.NOT_FOUND
                                    : status < 500 ? ErrorClass.INVALID_REQUEST : ErrorClass.INTERNAL,
                            status == 404
                                    ? "nothing at " + request.getRequestURI() + "; GET /actuator lists the endpoints"
                                    : request.getMethod() + " " + request.getRequestURI() + " answered " + status));
        }
    }

    /** A response that notes whether anything asked for its body. */
    private static final class Watched extends HttpServletResponseWrapper {
        private boolean bodyStarted;

        Watched(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            bodyStarted = true;
            return super.getOutputStream();
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            bodyStarted = true;
            return super.getWriter();
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            bodyStarted = true; // the error page writes it
            super.sendError(sc, msg);
        }

        @Override
        public void sendError(int sc) throws IOException {
            bodyStarted = true;
            super.sendError(sc);
        }
    }
}
