package io.duckbridge.spring.health;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.source.PostgresSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Whether the source PostgreSQL answers. It is not part of readiness: queries are served from DuckDB
 * while PostgreSQL is away. Thread-safe.
 */
public class PostgresHealthIndicator extends AbstractHealthIndicator {
    private final PostgresSource source;

    public PostgresHealthIndicator(PostgresSource source) {
        super("PostgreSQL health check failed");
        this.source = source;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        Properties quick = new Properties();
        quick.setProperty("connectTimeout", "3");
        quick.setProperty("socketTimeout", "5");
        builder.withDetail("url", source.redactedUrl());
        try (Connection c = source.connect(quick);
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT current_setting('server_version'), current_setting('wal_level')")) {
            rs.next();
            builder.up().withDetail("version", rs.getString(1)).withDetail("walLevel", rs.getString(2));
        } catch (DuckbridgeException e) {
            builder.down().withDetail("reason", e.getMessage());
        } catch (SQLException e) {
            builder.down().withDetail("reason", "SQLSTATE " + e.getSQLState() + ": " + e.getMessage());
        }
    }
}
