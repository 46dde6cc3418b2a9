package io.duckbridge.spring.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.spring.Http;
import io.duckbridge.spring.TestApplication;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * More concurrent clients than the query limit, on loopback, for a bounded number of requests: every answer is
 * 200 or 429 (never 5xx), and the heap and DuckDB's memory stay within their limits throughout.
 */
@Timeout(180)
@SpringBootTest(
        classes = TestApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=256MB",
            "DUCKDB_THREADS=2",
            "duckbridge.query.max-concurrent=2",
            "duckbridge.query.max-queued=2",
            "duckbridge.query.max-queue-wait=200ms"
        })
class QueryLoadIT {
    static final int CLIENTS = 10;
    static final int REQUESTS_PER_CLIENT = 12;

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @Autowired
    DuckDbEngine engine;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("duckbridge.data-dir", () -> dataDir.toString());
    }

    @Test
    void moreClientsThanTheLimitSeeOnly200And429WithinMemoryBounds() throws Exception {
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong maxDuckDb = new AtomicLong();
        AtomicLong maxHeap = new AtomicLong();
        long heapLimit =
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        long duckDbLimit = engine.status().memoryLimitBytes();

        Thread sampler = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                maxDuckDb.accumulateAndGet(engine.status().memoryUsageBytes(), Math::max);
                maxHeap.accumulateAndGet(
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(50); // sampling period, not a wait for a condition
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        });
        String body = "{\"sql\":\"SELECT i % 100 AS k, sum(i) AS s FROM range(2000000) t(i) GROUP BY ALL ORDER BY k\"}";
        try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                futures.add(clients.submit(() -> {
                    Http http = new Http("http://127.0.0.1:" + port);
                    for (int r = 0; r < REQUESTS_PER_CLIENT; r++) {
                        int status = http.post("/api/v1/query", body).statusCode();
                        statuses.computeIfAbsent(status, s -> new AtomicInteger())
                                .incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            running.set(false);
            sampler.join();
        }
        System.out.println("load: " + statuses + " peak DuckDB " + maxDuckDb + "/" + duckDbLimit + " bytes, peak heap "
                + maxHeap + "/" + heapLimit + " bytes");
        assertThat(statuses.keySet()).isSubsetOf(200, 429);
        assertThat(statuses.values().stream().mapToInt(AtomicInteger::get).sum())
                .isEqualTo(CLIENTS * REQUESTS_PER_CLIENT);
        assertThat(statuses).containsKey(200);
        assertThat(maxDuckDb.get()).isLessThanOrEqualTo(duckDbLimit);
        assertThat(maxHeap.get()).isLessThanOrEqualTo(heapLimit);
        assertThat(Http.localhost(port)
                        .post("/api/v1/query", "{\"sql\":\"SELECT 42\"}")
                        .statusCode())
                .isEqualTo(200);
    }
}
