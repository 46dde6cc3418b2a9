package io.duckbridge.spring.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.spring.Http;
import io.duckbridge.spring.ServiceFixtures;
import io.duckbridge.spring.TestApplication;
import io.duckbridge.testing.TestingPostgres;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** Models registered as a bean and by class name, compared with PostgreSQL at startup and over HTTP. */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(
        classes = {TestApplication.class, ModelsIT.Models.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "DUCKDB_MEMORY_LIMIT=256MB",
            "DUCKDB_THREADS=1",
            "duckbridge.models.classes=io.duckbridge.spring.models.ModelsIT$Refund"
        })
@Import(ModelsIT.Models.class)
class ModelsIT {
    static final TestingPostgres postgres = TestingPostgres.start();

    static {
        postgres.execute("CREATE TABLE payment (id bigint PRIMARY KEY, amount numeric, paid_at timestamptz)");
        postgres.execute("CREATE TABLE refund (id bigint PRIMARY KEY, amount numeric(10,2) NOT NULL)");
    }

    record Payment(long id, BigDecimal amount, Instant paidAt) {}

    record Refund(long id, BigDecimal amount, String reason) {}

    @TestConfiguration
    static class Models {
        @Bean
        DuckbridgeModels paymentModels() {
            return DuckbridgeModels.of(Payment.class);
        }
    }

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ServiceFixtures.postgres(registry, () -> dataDir, postgres);
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void modelsAreComparedWithPostgres(CapturedOutput output) throws Exception {
        var response = Http.localhost(port).get("/api/v1/models");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode models = Http.json(response);
        assertThat(models.size()).isEqualTo(2);

        JsonNode payment = models.get(0);
        assertThat(payment.path("model").asString()).endsWith("ModelsIT$Payment");
        assertThat(payment.path("table").asString()).isEqualTo("public.payment");
        assertThat(payment.path("matches").asBoolean()).isTrue();
        assertThat(payment.path("mismatches").size()).isZero();
        assertThat(payment.at("/columns/1/duckDbType").asString()).isEqualTo("DECIMAL(38,9)");
        assertThat(payment.path("ddl").asString()).contains("CREATE TABLE IF NOT EXISTS \"public\".\"payment\"");

        JsonNode refund = models.get(1);
        assertThat(refund.path("table").asString()).isEqualTo("public.refund");
        assertThat(refund.path("matches").asBoolean()).isFalse();
        assertThat(refund.at("/mismatches/0/column").asString()).isEqualTo("amount");
        assertThat(refund.findValuesAsString("kind"))
                .containsExactlyInAnyOrder("TYPE", "NULLABILITY", "MISSING_IN_POSTGRES");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!output.getOut().contains("ModelsIT$Refund and public.refund differ: MISSING_IN_POSTGRES reason")
                && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        assertThat(output.getOut())
                .contains("ModelsIT$Refund and public.refund differ: MISSING_IN_POSTGRES reason")
                .contains("ModelsIT$Payment matches public.payment");
    }
}
