package io.duckbridge.spring.health;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.source.PostgresSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Whether the source PostgreSQL answers. It is not part of readiness: queries are served from DuckDB
 * while PostgreSQL is away. The anonymous {@code /actuator/health} shows it, so one check serves every caller for
 * {@link #TTL}: callers cannot open connections on the source at will (one per call did), and a check makes one
 * attempt with short timeouts instead of the sync's retries. Thread-safe.
 */
public class PostgresHealthIndicator extends AbstractHealthIndicator {
    /** How long one check of the source serves every caller. */
    public static final Duration TTL = Duration.ofSeconds(5);

    private final PostgresSource source;
    private Health last;
    private long lastAt;

    public PostgresHealthIndicator(PostgresSource source) {
        super("PostgreSQL health check failed");
        this.source = source;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Health health;
        synchronized (this) {
            if (last == null || System.nanoTime() - lastAt >= TTL.toNanos()) {
                last = check();
                lastAt = System.nanoTime();
            }
            health = last;
        }
        builder.status(health.getStatus()).withDetails(health.getDetails());
    }

    private Health check() {
        Health.Builder builder = Health.unknown().withDetail("url", source.redactedUrl());
        try (Connection c = source.connectForHealthCheck(new Properties());
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT current_setting('server_version'), current_setting('wal_level')")) {
            rs.next();
            builder.up().withDetail("version", rs.getString(1)).withDetail("walLevel", rs.getString(2));
        } catch (DuckbridgeException e) {
            builder.down().withDetail("reason", e.getMessage());
        } catch (SQLException | RuntimeException e) {
            builder.down()
                    .withDetail(
                            "reason",
                            e instanceof SQLException q
                                    ? "SQLSTATE " + q.getSQLState() + ": " + q.getMessage()
                                    : e.toString());
        }
        return builder.build();
    }
}
