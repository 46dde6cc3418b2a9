package io.duckbridge.spring.security;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code duckbridge.security.*}: API keys and CORS.
 *
 * @param enabled whether requests must carry an API key; {@code false} opens every endpoint (logged as a warning
 *     at each start)
 * @param apiKeys keys as {@code api-keys[i].name}, {@code .sha256} (hex SHA-256 of the key) and {@code .role}
 *     ({@code reader} or {@code admin})
 * @param apiKeysFile a file of further keys, one {@code name sha256 role} per line (e.g. a mounted Secret)
 * @param cors which browser origins may call the API
 */
@ConfigurationProperties("duckbridge.security")
public record DuckbridgeSecurityProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue List<ApiKey> apiKeys,
        Path apiKeysFile,
        @DefaultValue Cors cors) {

    /**
     * @param allowedOrigins origins such as {@code https://dashboards.example.com}; none by default
     * @param allowedMethods HTTP methods allowed cross-origin
     * @param allowCredentials whether browsers may send credentials cross-origin; never together with {@code *}
     * @param maxAge seconds a browser may cache a preflight answer
     */
    public record Cors(
            @DefaultValue List<String> allowedOrigins,
            @DefaultValue({"GET", "POST", "DELETE"}) List<String> allowedMethods,
            @DefaultValue("false") boolean allowCredentials,
            @DefaultValue("1800") long maxAge) {
        public Cors {
            allowedOrigins = List.copyOf(allowedOrigins);
            allowedMethods = List.copyOf(allowedMethods);
            if (allowCredentials && allowedOrigins.contains("*")) {
                throw new IllegalArgumentException("duckbridge.security.cors.allowed-origins \"*\" together with"
                        + " allow-credentials=true would let every web site call the API as the user;"
                        + " list the origins explicitly, e.g. https://dashboards.example.com");
            }
        }
    }
}
