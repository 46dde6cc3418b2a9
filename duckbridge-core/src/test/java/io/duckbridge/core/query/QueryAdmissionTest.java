package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class QueryAdmissionTest {

    @Test
    void aQueryBeyondTheRunningAndQueuedLimitsIsRefusedAtOnce() throws Exception {
        QueryAdmission admission = new QueryAdmission(1, 1, Duration.ofSeconds(20));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            var running = CompletableFuture.supplyAsync(
                    () -> admission.admit(() -> {
                        started.countDown();
                        await(release);
                        return "first";
                    }),
                    pool);
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            var queued = CompletableFuture.supplyAsync(() -> admission.admit(() -> "second"), pool);
            while (admission.waiting() == 0) {
                Thread.onSpinWait();
            }
            assertThat(admission.running()).isEqualTo(1);

            long start = System.nanoTime();
            assertThatThrownBy(() -> admission.admit(() -> "third"))
                    .isInstanceOf(QueryAdmission.Overloaded.class)
                    .hasMessageContaining("queue is full");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

            release.countDown();
            assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo("first");
            assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo("second");
        }
        assertThat(admission.running()).isZero();
        assertThat(admission.waiting()).isZero();
        assertThat(admission.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(1);
    }

    @Test
    void aQueuedQueryGivesUpAfterTheMaximumWait() throws Exception {
        QueryAdmission admission = new QueryAdmission(1, 5, Duration.ofMillis(200));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            var running = CompletableFuture.supplyAsync(
                    () -> admission.admit(() -> {
                        started.countDown();
                        await(release);
                        return 1;
                    }),
                    pool);
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> admission.admit(() -> 2))
                    .isInstanceOf(QueryAdmission.Overloaded.class)
                    .hasMessageContaining("waited 200 ms");
            release.countDown();
            assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(admission.admit(() -> 3)).isEqualTo(3);
    }

    @Test
    void aFailingQueryGivesItsSlotBack() {
        QueryAdmission admission = new QueryAdmission(1, 0, Duration.ZERO);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> admission.admit(() -> {
                        throw new DuckbridgeException(ErrorClass.BINDER, "no such column");
                    }))
                    .hasMessage("no such column");
        }
        assertThat(admission.admit(() -> "ok")).isEqualTo("ok");
    }

    @Test
    void impossibleLimitsNameTheSettings() {
        assertThatThrownBy(() -> new QueryAdmission(0, 1, Duration.ofSeconds(1)))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("duckbridge.query.max-concurrent");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
