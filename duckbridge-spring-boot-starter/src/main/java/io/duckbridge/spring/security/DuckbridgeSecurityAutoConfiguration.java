package io.duckbridge.spring.security;

import jakarta.servlet.DispatcherType;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
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
    /** The web console's pages and scripts: they get {@link #CONSOLE_CSP}. */
    static final String[] CONSOLE = {"/", "/index.html", "/console/**"};

    /**
     * The console's Content-Security-Policy: its own scripts, styles and API only (it has no inline script or
     * style attribute; it sets styles through the CSSOM). Not sent for Swagger UI, whose page needs inline
     * code, nor for the API's JSON.
     */
    public static final String CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none';"
            + " form-action 'self'";

    /** POST endpoints a reader may call: they read (path patterns; the API document uses them too). */
    public static final List<String> READER_POSTS =
            List.of("/api/v1/query", "/api/v1/query/explain", "/api/v1/tables/*/rows");
    /** DELETE paths a reader may call: cancelling its own queries. */
    public static final String[] READER_DELETES = {"/api/v1/queries/*"};
    /** GET paths a reader may call. */
    static final String[] READER_GETS = {"/api/v1/**", "/analytics/**", "/actuator/**"};

    /** Paths Duckbridge's API chain covers, whatever other chains the application has. */
    public static final String[] API_PATHS = {"/api/v1/**", "/analytics/**"};

    /**
     * The configured API keys. Deliberately not an {@link org.springframework.security.authentication
     * .AuthenticationProvider} bean: Spring Security would build the application's global authentication
     * manager from such a bean alone, and an application that embeds the starter would lose its own
     * username/password login. The provider lives inside Duckbridge's filter chains only.
     */
    @Bean
    @ConditionalOnMissingBean
    public ApiKeys duckbridgeApiKeys(DuckbridgeSecurityProperties properties) {
        return ApiKeys.load(properties.apiKeys(), properties.apiKeysFile());
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
                                    + " control character); a table whose name holds one has no URL of its own:"
                                    + " POST /api/v1/sync (every configured table) syncs it and SQL reads it"));
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
            DuckbridgeSecurityProperties properties, ApiKeys keys, Environment environment) {
        SecurityMode mode = SecurityMode.decide(properties.enabled(), keys, environment);
        switch (mode) {
            case API_KEYS -> log.info("API keys required: {} configured", keys);
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

    /**
     * Spring's CORS filter with refusals written as problem+json. With {@code onlyWhereConfigured}, a request its
     * source has no configuration for passes untouched (Spring's filter answers every preflight itself, which
     * kept an embedding application's own CORS handling from ever seeing its preflights).
     */
    private static org.springframework.web.filter.CorsFilter corsFilter(
            CorsConfigurationSource source, boolean onlyWhereConfigured) {
        var filter = new org.springframework.web.filter.CorsFilter(source) {
            @Override
            protected boolean shouldNotFilter(jakarta.servlet.http.HttpServletRequest request) {
                return onlyWhereConfigured && source.getCorsConfiguration(request) == null;
            }
        };
        filter.setCorsProcessor(new ProblemCorsProcessor());
        return filter;
    }

    /**
     * API keys and roles on Duckbridge's API ({@link #API_PATHS}), always, and before any chain of the
     * application's own: an application that embeds the starter and secures its own paths does not open
     * or re-key Duckbridge's sync, backup or query endpoints.
     */
    @Bean
    @Order(API_CHAIN_ORDER)
    @ConditionalOnMissingBean(name = "duckbridgeApiSecurityFilterChain")
    public SecurityFilterChain duckbridgeApiSecurityFilterChain(
            HttpSecurity http,
            SecurityMode mode,
            ApiKeys keys,
            CorsConfigurationSource duckbridgeCorsConfigurationSource)
            throws Exception {
        return rules(http.securityMatcher(API_PATHS), mode, keys, duckbridgeCorsConfigurationSource, null);
    }

    /** Before Spring Boot's own chains and an application's chains without an explicit order. */
    static final int API_CHAIN_ORDER = org.springframework.core.Ordered.HIGHEST_PRECEDENCE + 100;

    /**
     * The same rules for every other path (the console, the actuator, the API documentation, and any path
     * not listed, which needs {@code admin}) — only when the application has no security chain of its own
     * (as in the standalone server). With one, the application's chain decides its own paths and the
     * actuator; Duckbridge's API keeps its chain above.
     */
    @Bean
    @Conditional(NoApplicationSecurityChain.class)
    public SecurityFilterChain duckbridgeSecurityFilterChain(
            HttpSecurity http,
            SecurityMode mode,
            ApiKeys keys,
            CorsConfigurationSource duckbridgeCorsConfigurationSource)
            throws Exception {
        // Duckbridge's origins for its own pages only: an embedding application's paths keep Spring MVC's CORS
        // handling of its own mappings (a refusal naming duckbridge.security.cors.allowed-origins broke them),
        // and their preflights, which carry no key, reach it
        var own = new OrRequestMatcher(Arrays.stream(DUCKBRIDGE_PAGES)
                .map(PathPatternRequestMatcher.withDefaults()::matcher)
                .map(RequestMatcher.class::cast)
                .toList());
        CorsConfigurationSource cors = request ->
                own.matches(request) ? duckbridgeCorsConfigurationSource.getCorsConfiguration(request) : null;
        RequestMatcher applicationPreflights =
                request -> org.springframework.web.cors.CorsUtils.isPreFlightRequest(request) && !own.matches(request);
        return rules(http, mode, keys, cors, applicationPreflights);
    }

    /**
     * The paths outside {@link #API_PATHS} that are Duckbridge's: its console, actuator and API documentation (the
     * open ones, and the rest of the actuator).
     */
    static final String[] DUCKBRIDGE_PAGES = java.util.stream.Stream.concat(
                    Arrays.stream(OPEN), java.util.stream.Stream.of("/actuator/**"))
            .toArray(String[]::new);

    /** @param openPreflights CORS preflights left to the application's own handling, or null */
    private static SecurityFilterChain rules(
            HttpSecurity http,
            SecurityMode mode,
            ApiKeys keys,
            CorsConfigurationSource cors,
            RequestMatcher openPreflights)
            throws Exception {
        var provider = new ApiKeyAuthenticationProvider(keys);
        var problems = new ProblemWriter();
        http.csrf(c -> c.disable())
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(r -> r.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // Spring Security's own CORS filter, with refusals written as problem+json
                .cors(c -> c.disable())
                .addFilter(corsFilter(cors, openPreflights != null))
                .authenticationProvider(provider)
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                // beside Spring Security's defaults (nosniff, X-Frame-Options DENY, Cache-Control no-store)
                .headers(h -> h.referrerPolicy(r -> r.policy(ReferrerPolicy.NO_REFERRER))
                        .addHeaderWriter(new DelegatingRequestMatcherHeaderWriter(
                                new OrRequestMatcher(Arrays.stream(CONSOLE)
                                        .map(PathPatternRequestMatcher.withDefaults()::matcher)
                                        .map(RequestMatcher.class::cast)
                                        .toList()),
                                new StaticHeadersWriter("Content-Security-Policy", CONSOLE_CSP))));
        if (mode != SecurityMode.API_KEYS) {
            http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
            return http.build();
        }
        http.addFilterBefore(new ApiKeyAuthenticationFilter(provider, problems), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(a -> a.dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.FORWARD)
                        .permitAll()
                        .requestMatchers(openPreflights != null ? openPreflights : request -> false)
                        .permitAll()
                        .requestMatchers(OPEN)
                        .permitAll()
                        .requestMatchers(HttpMethod.POST, READER_POSTS.toArray(String[]::new))
                        .hasRole("READER")
                        .requestMatchers(HttpMethod.GET, READER_GETS)
                        .hasRole("READER")
                        .requestMatchers(HttpMethod.HEAD, READER_GETS)
                        .hasRole("READER")
                        // a reader cancels its own queries (the endpoint checks whose they are)
                        .requestMatchers(HttpMethod.DELETE, READER_DELETES)
                        .hasRole("READER")
                        .anyRequest()
                        .hasRole("ADMIN"));
        return http.build();
    }

    /**
     * Matches when no {@link SecurityFilterChain} bean other than Duckbridge's own ({@code duckbridge...})
     * is defined: the application leaves all of its security to Duckbridge.
     */
    static final class NoApplicationSecurityChain
            extends org.springframework.boot.autoconfigure.condition.SpringBootCondition
            implements org.springframework.context.annotation.ConfigurationCondition {
        @Override
        public ConfigurationPhase getConfigurationPhase() {
            return ConfigurationPhase.REGISTER_BEAN;
        }

        @Override
        public org.springframework.boot.autoconfigure.condition.ConditionOutcome getMatchOutcome(
                org.springframework.context.annotation.ConditionContext context,
                org.springframework.core.type.AnnotatedTypeMetadata metadata) {
            var factory = context.getBeanFactory();
            List<String> others = factory == null
                    ? List.of()
                    : java.util.Arrays.stream(factory.getBeanNamesForType(SecurityFilterChain.class, true, false))
                            .filter(name -> !name.startsWith("duckbridge"))
                            .toList();
            return others.isEmpty()
                    ? org.springframework.boot.autoconfigure.condition.ConditionOutcome.match(
                            "no security filter chain of the application's own")
                    : org.springframework.boot.autoconfigure.condition.ConditionOutcome.noMatch(
                            "the application's own security filter chains " + others + " cover its other paths");
        }
    }
}
