package io.duckbridge.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.testing.TestingS3;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Retry and circuit breaker around object-storage requests, against the real S3 protocol server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StoragePolicyIT {
    static final byte[] CONTENT = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    static final Duration OPEN_FOR = Duration.ofMillis(500);

    static TestingS3 s3;

    CircuitBreakerRegistry breakers;
    StoragePolicy policy;

    @BeforeAll
    static void start() {
        s3 = TestingS3.start();
        s3.createBucket("guarded");
    }

    @AfterAll
    static void stop() {
        s3.close();
    }

    @BeforeEach
    void freshPolicy() {
        s3.healWrites();
        s3.resetCounts();
        breakers = CircuitBreakerRegistry.ofDefaults();
        // two attempts per request; four failed attempts in a window of four open the breaker
        policy = StoragePolicy.of(
                "object-storage", 2, Duration.ofMillis(10), 50, 4, OPEN_FOR, breakers, RetryRegistry.ofDefaults());
    }

    private S3Storage open(String secret, URI endpoint) {
        return S3Storage.open(
                S3Settings.compatible(endpoint, "us-east-1").withTimeout(Duration.ofSeconds(20)),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(TestingS3.ACCESS_KEY, secret)),
                policy);
    }

    private CircuitBreaker breaker() {
        return breakers.circuitBreaker("object-storage");
    }

    @Test
    void serverErrorsAreRetriedOpenTheBreakerAndItClosesAgainOnceTheServerRecovers() {
        try (S3Storage storage = open(s3.secretKey(), s3.endpoint())) {
            ObjectStore store = storage.store("guarded", "p");
            s3.failWritesAfter(0);
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> store.write("a.json", CONTENT))
                        .isInstanceOfSatisfying(
                                DuckbridgeException.class,
                                e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE));
            }
            assertThat(s3.count("putBlob")).isEqualTo(4); // each write was tried twice
            assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);

            // while open, requests fail at once without reaching the server
            assertThatThrownBy(() -> store.write("a.json", CONTENT))
                    .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
                        assertThat(e.getMessage()).contains("circuit breaker is open");
                    });
            assertThat(s3.count("putBlob")).isEqualTo(4);

            s3.healWrites();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean written = false;
            while (!written && System.nanoTime() < deadline) {
                try {
                    store.write("a.json", CONTENT);
                    written = true;
                } catch (DuckbridgeException e) {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L); // poll interval
                }
            }
            assertThat(written).isTrue();
            assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(store.read("a.json")).hasValue(CONTENT);
        }
    }

    @Test
    void refusedCredentialsAndMissingBucketsAreNeitherRetriedNorCountedAgainstTheBreaker() {
        try (S3Storage wrong = open("not-the-secret", s3.endpoint());
                S3Storage right = open(s3.secretKey(), s3.endpoint())) {
            for (int i = 0; i < 6; i++) {
                assertThatThrownBy(() -> wrong.store("guarded", "p").write("a.json", CONTENT))
                        .isInstanceOfSatisfying(
                                DuckbridgeException.class,
                                e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMISSION));
                assertThatThrownBy(() -> right.store("no-such-bucket", "p").checkAccess())
                        .isInstanceOfSatisfying(
                                DuckbridgeException.class,
                                e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
            }
            assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(breaker().getMetrics().getNumberOfFailedCalls()).isZero();
            assertThat(s3.count("putBlob")).isZero(); // refused before the backend, once per write
        }
    }

    @Test
    void anUnreachableEndpointOpensTheBreakerAndFailsFastWithAClearClass() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (S3Storage away = open(s3.secretKey(), URI.create("http://127.0.0.1:" + closedPort))) {
            ObjectStore store = away.store("guarded", "p");
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(store::checkAccess)
                        .isInstanceOfSatisfying(
                                DuckbridgeException.class,
                                e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE));
            }
            assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
            assertThatThrownBy(() -> store.read("a.json")).isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
                assertThat(e.getMessage())
                        .contains("object storage at http://127.0.0.1:" + closedPort)
                        .contains("circuit breaker is open");
            });
        }
    }
}
