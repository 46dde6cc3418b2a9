package io.duckbridge.spring.security;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/auth/me}: who the caller is and what role they hold, so the console can hide actions
 * the caller may not take. Reads the servlet request's principal and roles, so it works with whatever
 * authentication is in front of it: an API key authenticated as a named principal holding {@code ROLE_ADMIN}
 * is an {@code admin}, any other authenticated caller a {@code reader}. A request without a principal got
 * here without authentication (authentication is off or the service only listens on loopback), where every
 * endpoint is open, so it is reported as {@code anonymous} with role {@code admin}. Thread-safe (stateless).
 */
@RestController
public class CallerController {

    /** {@code {"name","role":"reader|admin","authenticated":bool}}. */
    @GetMapping("/api/v1/auth/me")
    public Map<String, Object> me(HttpServletRequest request) {
        Principal principal = request.getUserPrincipal();
        Map<String, Object> me = new LinkedHashMap<>();
        if (principal == null) {
            me.put("name", "anonymous");
            me.put("role", "admin");
            me.put("authenticated", false);
        } else {
            me.put("name", principal.getName());
            me.put("role", request.isUserInRole("ADMIN") ? "admin" : "reader");
            me.put("authenticated", true);
        }
        return me;
    }
}
