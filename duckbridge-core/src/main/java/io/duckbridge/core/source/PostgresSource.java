package io.duckbridge.core.source;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where the source PostgreSQL is and how to log in. The password is never part of {@link #toString()}.
 * Thread-safe (immutable).
 *
 * @param url the JDBC URL, e.g. {@code jdbc:postgresql://db:5432/shop}
 * @param username the user; may be null when the URL carries it
 * @param password the password; may be null
 * @param policy how connections are opened: retries with backoff and a circuit breaker for connection
 *     failures, or {@link ConnectionPolicy#none()}
 */
public record PostgresSource(String url, String username, String password, ConnectionPolicy policy) {
    /** A source that connects once per call, without retries or breaker. */
    public PostgresSource(String url, String username, String password) {
        this(url, username, password, ConnectionPolicy.none());
    }

    public PostgresSource {
        if (policy == null) {
            policy = ConnectionPolicy.none();
        }
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new DuckbridgeException(
                    ErrorClass.INVALID_REQUEST,
                    "duckbridge.postgres.url \"" + (url == null ? null : redact(url))
                            + "\" is not a PostgreSQL JDBC URL;" + " use e.g. jdbc:postgresql://localhost:5432/shop");
        }
    }

    /** This source with connections opened under {@code policy}. */
    public PostgresSource withPolicy(ConnectionPolicy policy) {
        return new PostgresSource(url, username, password, policy);
    }

    /** Opens a new connection (the caller closes it). */
    public Connection connect() {
        return connect(new Properties());
    }

    /**
     * Opens a new connection with extra pgjdbc properties (e.g. {@code replication=database}).
     *
     * <p>Connection failures (SQLSTATE class 08) are retried and tracked by the {@link #policy()}'s breaker.
     *
     * @throws DuckbridgeException SOURCE_UNAVAILABLE when the server cannot be reached, refuses the login or the
     *     breaker is open
     */
    public Connection connect(Properties extra) {
        return connect(extra, true);
    }

    /**
     * One attempt to connect, with short timeouts (2 s to connect, 3 s to log in and for each read): for health
     * checks, which must answer within a probe's timeout whatever the server does. Refused at once while the
     * breaker is open; counted by it.
     *
     * @throws DuckbridgeException SOURCE_UNAVAILABLE as {@link #connect(Properties)}
     */
    public Connection connectForHealthCheck(Properties extra) {
        Properties quick = new Properties();
        quick.putAll(extra);
        quick.setProperty("connectTimeout", "2");
        quick.setProperty("loginTimeout", "3");
        quick.setProperty("socketTimeout", "3");
        return connect(quick, false);
    }

    private Connection connect(Properties extra, boolean retrying) {
        Properties props = new Properties();
        props.putAll(extra);
        if (username != null) {
            props.setProperty("user", username);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.putIfAbsent("ApplicationName", "duckbridge");
        props.putIfAbsent("connectTimeout", "10");
        try {
            return policy.connect(() -> DriverManager.getConnection(url, props), redactedUrl(), retrying);
        } catch (SQLException e) {
            throw new DuckbridgeException(
                    ErrorClass.SOURCE_UNAVAILABLE,
                    "cannot connect to PostgreSQL at " + redactedUrl() + " (SQLSTATE " + e.getSQLState() + "): "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * The URL as it may be shown (health details, messages, logs): pgjdbc also takes a password in the URL
     * ({@code ?password=...}, {@code sslpassword=...}), whose value is replaced by {@code ****}, as is the
     * password of a {@code user:password@} part.
     */
    public String redactedUrl() {
        return redact(url);
    }

    static String redact(String url) {
        String shown = SECRET_PARAMETER.matcher(url).replaceAll("$1****");
        return USER_INFO_PASSWORD.matcher(shown).replaceAll("$1****@");
    }

    private static final java.util.regex.Pattern SECRET_PARAMETER =
            java.util.regex.Pattern.compile("(?i)([?&;](?:ssl)?password=)[^&;#]*");
    private static final java.util.regex.Pattern USER_INFO_PASSWORD =
            java.util.regex.Pattern.compile("^(jdbc:postgresql://[^/@?]*?:)[^/@?]*@");

    @Override
    public String toString() {
        return "PostgresSource[url=" + redactedUrl() + ", username=" + username + "]";
    }
}
