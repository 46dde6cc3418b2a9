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
    /**
     * The largest body any endpoint takes: the longest query text the guard accepts, in UTF-8, and a megabyte
     * of parameters.
     */
    public static final int MAX_BYTES = 4 * io.duckbridge.core.query.QueryGuard.MAX_SQL_CHARS + 1024 * 1024;

    private final long maxBytes;

    public RequestBodyLimitFilter(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        if (length < 0 && request.getHeader("Transfer-Encoding") != null) {
            // a chunked body declares no length: count it as it is read
            chain.doFilter(new Limited(request, maxBytes), response);
            return;
        }
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

    /** What reading a chunked body beyond the limit throws; readers that answer themselves map it to 400. */
    public static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(long maxBytes) {
            super("the request body is larger than " + maxBytes + " bytes");
        }
    }

    /** A request whose body stops with {@link TooLarge} once more than the limit is read. */
    private static final class Limited extends jakarta.servlet.http.HttpServletRequestWrapper {
        private final long maxBytes;
        private jakarta.servlet.ServletInputStream stream;

        Limited(HttpServletRequest request, long maxBytes) {
            super(request);
            this.maxBytes = maxBytes;
        }

        @Override
        public jakarta.servlet.ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                jakarta.servlet.ServletInputStream in = super.getInputStream();
                stream = new jakarta.servlet.ServletInputStream() {
                    private long read;

                    @Override
                    public int read() throws IOException {
                        int b = in.read();
                        if (b >= 0) {
                            count(1);
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int offset, int length) throws IOException {
                        int n = in.read(buffer, offset, length);
                        if (n > 0) {
                            count(n);
                        }
                        return n;
                    }

                    private void count(int n) throws IOException {
                        read += n;
                        if (read > maxBytes) {
                            throw new TooLarge(maxBytes);
                        }
                    }

                    @Override
                    public boolean isFinished() {
                        return in.isFinished();
                    }

                    @Override
                    public boolean isReady() {
                        return in.isReady();
                    }

                    @Override
                    public void setReadListener(jakarta.servlet.ReadListener listener) {
                        in.setReadListener(listener);
                    }
                };
            }
            return stream;
        }

        @Override
        public java.io.BufferedReader getReader() throws IOException {
            return new java.io.BufferedReader(new java.io.InputStreamReader(
                    getInputStream(), getCharacterEncoding() == null ? "UTF-8" : getCharacterEncoding()));
        }
    }
}
