package io.duckbridge.spring.web;

import io.duckbridge.core.error.ErrorClass;
import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's last word on an error that no part of the application answered — a request Tomcat refused before
 * it reached Duckbridge (an encoded slash in the path, a malformed header): an {@code application/problem+json}
 * body with an {@code errorClass}, as every other error has, instead of Tomcat's HTML page with its version.
 * Answers that already have a body are left alone. Installed as the host's error report valve by
 * {@code DuckbridgeAutoConfiguration}. Thread-safe (stateless).
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        ErrorClass errorClass = ProblemResponses.classOf(status);
        String detail = status == 400
                ? "the request is not valid HTTP for this server (e.g. an encoded / or \\ in the path, an illegal"
                        + " character in the URL or a header, or a URL and headers longer than"
                        + " server.max-http-request-header-size, 8 KB by default: send long queries with POST"
                        + " /api/v1/query); fix the request"
                : "the server answered " + status + " before the request reached an endpoint";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", ProblemResponses.type(errorClass).toString());
        body.put("title", ProblemResponses.title(errorClass));
        body.put("status", status);
        body.put("detail", detail);
        body.put("errorClass", errorClass.name());
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(JsonMapper.shared().writeValueAsString(body));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the connection is gone or the response was taken: nothing more can be said
        }
    }
}
