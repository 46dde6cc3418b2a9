package io.duckbridge.spring.query;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.query.QueryAdmission;
import io.duckbridge.core.query.QueryFormat;
import io.duckbridge.core.query.QueryRecorder;
import io.duckbridge.core.query.QueryRequest;
import io.duckbridge.core.query.QueryRunner;
import io.duckbridge.core.query.RunningQueries;
import io.duckbridge.spring.metrics.RequestIdFilter;
import io.duckbridge.spring.web.ProblemResponses;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.ServerHttpObservationFilter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code POST /api/v1/query}, served by a servlet of its own beside Spring MVC's dispatcher. The endpoint is
 * the hot path of the service, called once per dashboard tile; measured with a small query, Spring MVC's
 * dispatch (handler lookup, argument resolution through the message converters, return-value handling)
 * was about a third of the server's time per request. Everything around the request stays as for any
 * other endpoint: the servlet filters (request id, API keys and roles, CORS, the {@code http.server.requests}
 * observation, error counting) run in front of it, and it answers exactly as the rest of the API does:
 * the result streamed in the format {@code Accept} names, every failure before the first byte an
 * {@code application/problem+json} body with its {@code errorClass} (429 with {@code Retry-After} beyond the
 * concurrency limit). A failure after the first byte cannot change the status any more: the connection is
 * then closed without the end of the body, so a client sees a broken response, never a short one that
 * looks complete. Thread-safe.
 */
public final class QueryServlet extends HttpServlet {
    /** The path this servlet is mapped to. */
    public static final String PATH = "/api/v1/query";

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(QueryServlet.class);

    private final transient QueryRunner runner;
    private final transient QueryAdmission admission;
    private final transient ObjectMapper json;

    /**
     * @param json reads request bodies (the application's mapper, so its settings apply as for the other
     *     endpoints)
     */
    public QueryServlet(QueryRunner runner, QueryAdmission admission, ObjectMapper json) {
        this.runner = runner;
        this.admission = admission;
        this.json = json;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // the observation's uri tag, as Spring MVC sets it from the matched pattern for its own endpoints
        ServerHttpObservationFilter.findObservationContext(request).ifPresent(c -> c.setPathPattern(PATH));
        try {
            if (!"POST".equals(request.getMethod())) {
                response.setHeader(HttpHeaders.ALLOW, "POST");
                ProblemResponses.write(
                        request,
                        response,
                        405,
                        "Method Not Allowed",
                        new DuckbridgeException(
                                ErrorClass.INVALID_REQUEST,
                                request.getMethod() + " is not supported by " + PATH + "; use POST"));
                return;
            }
            if (!isJson(request.getContentType())) {
                response.setHeader(HttpHeaders.ACCEPT, MediaType.APPLICATION_JSON_VALUE);
                ProblemResponses.write(
                        request,
                        response,
                        415,
                        "Unsupported Media Type",
                        new DuckbridgeException(
                                ErrorClass.INVALID_REQUEST,
                                "Content-Type \"" + request.getContentType() + "\" is not supported; send the body"
                                        + " as application/json"));
                return;
            }
            String accept = request.getHeader(HttpHeaders.ACCEPT);
            QueryFormat format = QueryFormat.fromAccept(accept);
            if (format == null) {
                throw new DuckbridgeException(ErrorClass.INVALID_REQUEST, QueryController.unknownAccept(accept));
            }
            QueryRequest query = QueryController.request(body(request));
            QueryController.HttpResult result = new QueryController.HttpResult(response);
            // cancellable by its request id (DELETE /api/v1/queries/{requestId}) while it waits or runs
            String handle = MDC.get(RequestIdFilter.MDC_KEY);
            Principal caller = request.getUserPrincipal();
            try (RunningQueries.Entry running = handle == null
                    ? null
                    : runner.running().register(handle, caller == null ? null : caller.getName())) {
                result.finished(admission.admit(() -> runner.run(query, format, result, running)));
            }
        } catch (QueryAdmission.Overloaded e) {
            response.setHeader(HttpHeaders.RETRY_AFTER, ProblemResponses.RETRY_AFTER_SECONDS);
            fail(request, response, 429, QueryController.OVERLOADED_TITLE, e);
        } catch (DuckbridgeException e) {
            if (response.isCommitted() && clientLeft(e)) {
                // the client closed the connection mid-result (a cancelled download, a dashboard moving on):
                // nothing failed on this side, and there is no one left to answer
                log.debug("the client of {} left before the end of the result: {}", PATH, e.getMessage());
                return;
            }
            if (response.isCommitted()) {
                logBrokenOff(e);
                throw BrokenResult.of(e);
            }
            if (e.errorClass() == ErrorClass.IO || e.errorClass() == ErrorClass.INTERNAL) {
                // DuckDB's message quotes the query and values from the data: logged without literals
                log.warn("a query of {} failed with {}: {}", PATH, e.errorClass(), loggable(e));
            }
            if (ProblemResponses.asksForRetry(e.errorClass())) {
                response.setHeader(HttpHeaders.RETRY_AFTER, ProblemResponses.retryAfterSeconds(e));
            }
            fail(request, response, ProblemResponses.status(e.errorClass()), null, e);
        } catch (RuntimeException e) {
            fail(request, response, 500, null, ProblemResponses.unexpected(e));
        }
    }

    /**
     * One line for a result that failed after its first bytes. DuckDB's message quotes the query text and values
     * from the data ("Could not convert string 'Grace Lovelace'", "LINE 1: ... WHERE email = '...'"), so it is
     * logged without its literals, as the query's record is.
     */
    private static void logBrokenOff(DuckbridgeException e) {
        log.warn("a result of {} broke off after its first bytes with {}: {}", PATH, e.errorClass(), loggable(e));
    }

    /**
     * {@code e}'s message without literals; an INTERNAL message holds only the id of its logged failure (no data)
     * and is kept whole, so the lines can be matched with that failure's.
     */
    private static String loggable(DuckbridgeException e) {
        return e.errorClass() == ErrorClass.INTERNAL ? e.getMessage() : QueryRecorder.normalize(e.getMessage());
    }

    /** Whether {@code e} comes from writing to a connection the client closed (Tomcat's ClientAbortException). */
    static boolean clientLeft(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().equals("ClientAbortException")) {
                return true;
            }
        }
        return false;
    }

    /** The largest request body read (the limit every endpoint has); a larger one is refused unread. */
    static final int MAX_BODY_BYTES = io.duckbridge.spring.web.RequestBodyLimitFilter.MAX_BYTES;

    /** The request body as a JSON object; INVALID_REQUEST when it is missing, malformed or not an object. */
    private Map<String, Object> body(HttpServletRequest request) {
        if (request.getContentLengthLong() > MAX_BODY_BYTES) {
            throw tooLarge(request.getContentLengthLong());
        }
        try (InputStream in = request.getInputStream()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw tooLarge(-1);
            }
            // a JSON number with a fraction stays exact (12345678901234567.5 bound as DECIMAL, not a double)
            Object body = json.readerFor(Object.class)
                    .with(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .readValue(bytes);
            if (body instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked") // a JSON object's keys are strings
                Map<String, Object> fields = (Map<String, Object>) map;
                return fields;
            }
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    body == null
                            ? "the request body is missing; send {\"sql\": \"SELECT ...\"}"
                            : "the request body is not a JSON object; send {\"sql\": \"SELECT ...\"}");
        } catch (JacksonException e) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "the request body is not valid JSON: " + e.getOriginalMessage()
                            + "; send {\"sql\": \"SELECT ...\"}",
                    e);
        } catch (io.duckbridge.spring.web.RequestBodyLimitFilter.TooLarge e) {
            throw tooLarge(-1);
        } catch (IOException e) {
            throw new DuckbridgeException(ErrorClass.IO, "reading the request body failed: " + e.getMessage(), e);
        }
    }

    private static DuckbridgeException tooLarge(long length) {
        return new DuckbridgeException(
                ErrorClass.INVALID_REQUEST,
                "the request body " + (length > 0 ? "has " + length + " bytes" : "is larger than the limit")
                        + "; at most " + MAX_BODY_BYTES + " bytes are read (queries are limited to "
                        + io.duckbridge.core.query.QueryGuard.MAX_SQL_CHARS + " characters)");
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        try {
            return MediaType.APPLICATION_JSON.includes(MediaType.parseMediaType(contentType));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Answers {@code e} as a problem when nothing was sent yet. Once the response is committed the status
     * is gone: the failure is rethrown, and the container closes the connection without ending the body.
     */
    private void fail(
            HttpServletRequest request, HttpServletResponse response, int status, String title, DuckbridgeException e)
            throws IOException {
        if (response.isCommitted()) {
            logBrokenOff(e);
            throw BrokenResult.of(e);
        }
        response.resetBuffer();
        ProblemResponses.write(request, response, status, title, e);
    }
}
