package io.duckbridge.spring.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Reads the API key from {@code Authorization: Bearer <key>} or {@code X-API-Key: <key>} and, when it matches
 * a configured hash, authenticates the request as that key's name with its role's authorities. A key that
 * matches nothing is refused at once with 401; a request without a key continues anonymously and the
 * authorization rules decide. The key itself is never logged. Thread-safe.
 */
final class ApiKeyAuthenticationFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyAuthenticationFilter.class);
    static final String HEADER = "X-API-Key";

    private final ApiKeyAuthenticationProvider provider;
    private final AuthenticationEntryPoint entryPoint;

    ApiKeyAuthenticationFilter(ApiKeyAuthenticationProvider provider, AuthenticationEntryPoint entryPoint) {
        this.provider = provider;
        this.entryPoint = entryPoint;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = presentedKey(request);
        if (presented == null) {
            chain.doFilter(request, response);
            return;
        }
        Authentication authenticated;
        try {
            authenticated = provider.authenticate(new PreAuthenticatedAuthenticationToken(null, presented));
        } catch (InvalidApiKeyException e) {
            log.info(
                    "refused an unknown API key from {} for {} {}",
                    request.getRemoteAddr(),
                    request.getMethod(),
                    request.getRequestURI());
            SecurityContextHolder.clearContext();
            entryPoint.commence(request, response, e);
            return;
        }
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(authenticated);
        SecurityContextHolder.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    /** The key from {@code Authorization: Bearer} or {@code X-API-Key}, or null when the request has none. */
    static String presentedKey(HttpServletRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String key = authorization.substring(7).strip();
            return key.isEmpty() ? null : key;
        }
        String header = request.getHeader(HEADER);
        if (header != null && !header.isBlank()) {
            return header.strip();
        }
        return null;
    }
}
