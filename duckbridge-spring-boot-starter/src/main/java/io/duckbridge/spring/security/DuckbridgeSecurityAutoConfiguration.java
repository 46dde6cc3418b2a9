package io.duckbridge.spring.security;

import jakarta.servlet.DispatcherType;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * API keys, roles and CORS. Health probes and the API documentation are open; {@code reader} may run queries
 * and read everything; {@code admin} may also sync, export, import, back up, restore, start and stop CDC and
 * cancel jobs; any endpoint not listed as a reader's needs {@code admin}. Every bean can be replaced.
 */
@AutoConfiguration(
        beforeName = {
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration"
        })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(DuckbridgeSecurityProperties.class)
@EnableWebSecurity
public class DuckbridgeSecurityAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(DuckbridgeSecurityAutoConfiguration.class);

    /**
     * Paths open to everyone: probes, API documentation and the web console's static files (they hold no
     * data; the console asks for a key before it calls the API).
     */
    static final String[] OPEN = {
        "/",
        "/index.html",
        "/console/**",
        "/webjars/**",
        "/favicon.ico",
        "/actuator/health",
        "/actuator/health/**",
        "/v3/api-docs",
        "/v3/api-docs/**",
        "/swagger-ui.html",
        "/swagger-ui/**"
    };
    /** POST endpoints a reader may call: they read (path patterns; the API document uses them too). */
    public static final List<String> READER_POSTS =
            List.of("/api/v1/query", "/api/v1/query/explain", "/api/v1/tables/*/rows");
    /** GET paths a reader may call. */
    static final String[] READER_GETS = {"/api/v1/**", "/analytics/**", "/actuator/**"};

    @Bean
    @ConditionalOnMissingBean
    public ApiKeyAuthenticationProvider duckbridgeApiKeyAuthenticationProvider(
            DuckbridgeSecurityProperties properties) {
        return new ApiKeyAuthenticationProvider(ApiKeys.load(properties.apiKeys(), properties.apiKeysFile()));
    }

    /**
     * No Micrometer observations of Spring Security's own work (a span per filter chain, authentication and
     * authorization). Each request would otherwise start and stop several observations around the dozen
     * security filters, which profiling showed as a large part of a small query's time over HTTP; the
     * request itself is still observed ({@code http.server.requests}) and refusals are counted
     * ({@code duckbridge.errors}). Declare a {@link SecurityObservationSettings} bean to observe them again.
     */
    @Bean
    @ConditionalOnMissingBean
    public SecurityObservationSettings duckbridgeSecurityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * A request Spring Security's firewall refuses (an encoded {@code ;}, {@code %25} or a control character in
     * the path) gets a problem+json answer like every other error, instead of Spring Boot's error page JSON.
     */
    @Bean
    @ConditionalOnMissingBean
    public org.springframework.security.web.firewall.RequestRejectedHandler duckbridgeRequestRejectedHandler() {
        return (request, response, rejected) -> {
            log.debug("refused a request the firewall rejects: {}", rejected.getMessage());
            io.duckbridge.spring.web.ProblemResponses.write(
                    request,
                    response,
                    400,
                    null,
                    new io.duckbridge.core.error.DuckbridgeException(
                            io.duckbridge.core.error.ErrorClass.INVALID_REQUEST,
                            "the request URL holds characters the server refuses (such as an encoded ; or %, or a"
                                    + " control character); send names in the path without them, or in a JSON"
                                    + " body"));
        };
    }

    @Bean
    @ConditionalOnMissingBean
    public CallerController duckbridgeCallerController() {
        return new CallerController();
    }

    @Bean
    @ConditionalOnMissingBean
    public SecurityMode duckbridgeSecurityMode(
            DuckbridgeSecurityProperties properties, ApiKeyAuthenticationProvider provider, Environment environment) {
        SecurityMode mode = SecurityMode.decide(properties.enabled(), provider.keys(), environment);
        switch (mode) {
            case API_KEYS -> log.info("API keys required: {} configured", provider.keys());
            case LOOPBACK_ONLY ->
                log.warn(
                        "no API keys configured: serving without authentication because server.address={} is"
                                + " loopback only; configure duckbridge.security.api-keys before exposing the service",
                        environment.getProperty("server.address"));
            case DISABLED ->
                log.warn("authentication is DISABLED (duckbridge.security.enabled=false): every endpoint,"
                        + " including sync, restore and delete, is open to anyone who can connect");
        }
        return mode;
    }

    @Bean
    @ConditionalOnMissingBean(name = "duckbridgeCorsConfigurationSource")
    public CorsConfigurationSource duckbridgeCorsConfigurationSource(DuckbridgeSecurityProperties properties) {
        var cors = properties.cors();
        var source = new UrlBasedCorsConfigurationSource();
        if (!cors.allowedOrigins().isEmpty()) {
            var config = new CorsConfiguration();
            config.setAllowedOrigins(cors.allowedOrigins());
            config.setAllowedMethods(cors.allowedMethods());
            config.setAllowedHeaders(List.of("Authorization", "X-API-Key", "Content-Type", "Accept", "X-Request-Id"));
            config.setExposedHeaders(List.of("X-Request-Id", "Retry-After", "Location", "X-Duckbridge-Truncated"));
            config.setAllowCredentials(cors.allowCredentials());
            config.setMaxAge(cors.maxAge());
            source.registerCorsConfiguration("/**", config);
        }
        return source;
    }

    private static org.springframework.web.filter.CorsFilter corsFilter(CorsConfigurationSource source) {
        var filter = new org.springframework.web.filter.CorsFilter(source);
        filter.setCorsProcessor(new ProblemCorsProcessor());
        return filter;
    }

    @Bean
    @ConditionalOnMissingBean(SecurityFilterChain.class)
    public SecurityFilterChain duckbridgeSecurityFilterChain(
            HttpSecurity http,
            SecurityMode mode,
            ApiKeyAuthenticationProvider provider,
            CorsConfigurationSource duckbridgeCorsConfigurationSource)
            throws Exception {
        var problems = new ProblemWriter();
        http.csrf(c -> c.disable())
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(r -> r.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // Spring Security's own CORS filter, with refusals written as problem+json
                .cors(c -> c.disable())
                .addFilter(corsFilter(duckbridgeCorsConfigurationSource))
                .authenticationProvider(provider)
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems));
        if (mode != SecurityMode.API_KEYS) {
            http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
            return http.build();
        }
        http.addFilterBefore(new ApiKeyAuthenticationFilter(provider, problems), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(a -> a.dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.FORWARD)
                        .permitAll()
                        .requestMatchers(OPEN)
                        .permitAll()
                        .requestMatchers(HttpMethod.POST, READER_POSTS.toArray(String[]::new))
                        .hasRole("READER")
                        .requestMatchers(HttpMethod.GET, READER_GETS)
                        .hasRole("READER")
                        .requestMatchers(HttpMethod.HEAD, READER_GETS)
                        .hasRole("READER")
                        .anyRequest()
                        .hasRole("ADMIN"));
        return http.build();
    }
}
