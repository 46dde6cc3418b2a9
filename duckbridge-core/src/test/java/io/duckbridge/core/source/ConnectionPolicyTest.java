package io.duckbridge.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConnectionPolicyTest {
    private static ConnectionPolicy policy() {
        return ConnectionPolicy.of("postgres", 3, Duration.ofMillis(10), 50, 4, Duration.ofMinutes(5));
    }

    @Test
    void connectionFailuresAreRetriedWithBackoffThenSucceed() throws Exception {
        var attempts = new AtomicInteger();
        var policy = policy();
        var connection = policy.connect(
                () -> {
                    if (attempts.incrementAndGet() < 3) {
                        throw new SQLException("Connection refused", "08001");
                    }
                    return null;
                },
                "jdbc:postgresql://db/shop");
        assertThat(connection).isNull();
        assertThat(attempts).hasValue(3);
        assertThat(policy.retry().getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt())
                .isEqualTo(1);
    }

    @Test
    void otherSqlStatesFailAtOnceAndLeaveTheBreakerClosed() {
        var attempts = new AtomicInteger();
        var policy = policy();
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> policy.connect(
                            () -> {
                                attempts.incrementAndGet();
                                throw new SQLException("password authentication failed", "28P01");
                            },
                            "jdbc:postgresql://db/shop"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");
        }
        assertThat(attempts).hasValue(10);
        assertThat(policy.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void anUnreachableServerOpensTheBreakerAndLaterCallsFailFast() {
        // nothing listens on port 1 of the loopback address: every attempt is refused with SQLSTATE 08001
        var source = new PostgresSource("jdbc:postgresql://127.0.0.1:1/shop", "nobody", null).withPolicy(policy());
        // the first call makes 3 attempts, all refused; the breaker (window 4) has not seen enough yet
        assertThatThrownBy(source::connect)
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE))
                .hasMessageContaining("SQLSTATE 08001");
        assertThat(source.policy().circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        // the second call's first attempt is the 4th failure: the breaker opens and stops the retries
        assertThatThrownBy(source::connect).hasMessageContaining("circuit breaker is open");
        assertThat(source.policy().circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(source.policy().circuitBreaker().getMetrics().getNumberOfFailedCalls())
                .isEqualTo(4);

        long start = System.nanoTime();
        assertThatThrownBy(source::connect)
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
                    // what a client is told to wait (Retry-After): the rest of the 5 minutes open, not a guess
                    assertThat(e.retryAfter()).isBetween(Duration.ofSeconds(290), Duration.ofMinutes(5));
                })
                .hasMessageContaining("circuit breaker is open")
                .hasMessageNotContaining("password");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void withoutAPolicyASourceConnectsOnce() {
        var source = new PostgresSource("jdbc:postgresql://127.0.0.1:1/shop", "nobody", "secret");
        assertThat(source.policy()).isSameAs(ConnectionPolicy.none());
        assertThat(source.toString()).doesNotContain("secret");
        assertThatThrownBy(source::connect).hasMessageContaining("SQLSTATE 08001");
    }
}
