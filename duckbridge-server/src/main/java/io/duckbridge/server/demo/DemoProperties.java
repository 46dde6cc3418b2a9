package io.duckbridge.server.demo;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code duckbridge.demo.*}: the embedded PostgreSQL with a sample shop, started when no
 * {@code duckbridge.postgres.url} is set.
 *
 * @param enabled whether to start it; unset means "when no PostgreSQL URL is configured"
 * @param orders how many orders to generate (customers, items and events scale with it)
 * @param initialSync whether to start a full sync into DuckDB at startup when DuckDB has no shop tables yet
 */
@ConfigurationProperties("duckbridge.demo")
public record DemoProperties(
        Boolean enabled,
        @DefaultValue("1000000") int orders,
        @DefaultValue("true") boolean initialSync) {
    public DemoProperties {
        if (orders < 1 || orders > 100_000_000) {
            throw new IllegalArgumentException(
                    "duckbridge.demo.orders " + orders + " is out of range; use 1 to 100000000, e.g. 1000000");
        }
    }
}
