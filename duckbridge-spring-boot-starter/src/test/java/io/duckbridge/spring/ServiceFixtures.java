package io.duckbridge.spring;

import io.duckbridge.spring.security.ApiKeys;
import io.duckbridge.testing.TestingPostgres;
import io.duckbridge.testing.TestingS3;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The set-up the service tests share: the properties that point a started service at its data directory, its
 * test PostgreSQL and its S3 server, and the S3 credentials given to the AWS default credential chain (as
 * system properties, the way an operator would give them through the environment — never in configuration).
 */
public final class ServiceFixtures {
    private ServiceFixtures() {}

    /** {@code duckbridge.data-dir} and the PostgreSQL connection of {@code postgres}. */
    public static void postgres(DynamicPropertyRegistry registry, Supplier<Path> dataDir, TestingPostgres postgres) {
        registry.add("duckbridge.data-dir", () -> dataDir.get().toString());
        registry.add("duckbridge.postgres.url", postgres::jdbcUrl);
        registry.add("duckbridge.postgres.username", postgres::username);
        registry.add("duckbridge.postgres.password", postgres::password);
    }

    /**
     * Two API keys: {@code readerKey} named dashboards with role reader, {@code adminKey} named operator with role
     * admin. A list binds from one property source, so every element's fields are registered here together.
     */
    public static void apiKeys(DynamicPropertyRegistry registry, String readerKey, String adminKey) {
        registry.add("duckbridge.security.api-keys[0].name", () -> "dashboards");
        registry.add("duckbridge.security.api-keys[0].sha256", () -> ApiKeys.sha256Hex(readerKey));
        registry.add("duckbridge.security.api-keys[0].role", () -> "reader");
        registry.add("duckbridge.security.api-keys[1].name", () -> "operator");
        registry.add("duckbridge.security.api-keys[1].sha256", () -> ApiKeys.sha256Hex(adminKey));
        registry.add("duckbridge.security.api-keys[1].role", () -> "admin");
    }

    /** {@code duckbridge.data-dir} and the endpoint of {@code s3}. */
    public static void s3(DynamicPropertyRegistry registry, Supplier<Path> dataDir, TestingS3 s3) {
        registry.add("duckbridge.data-dir", () -> dataDir.get().toString());
        registry.add("duckbridge.lake.s3.endpoint", () -> s3.endpoint().toString());
    }

    /**
     * Starts an S3 server with {@code buckets} and hands its keys to the AWS default credential chain through the
     * {@code aws.accessKeyId}/{@code aws.secretAccessKey} system properties; {@link #stopS3} undoes both.
     */
    public static TestingS3 startS3(String... buckets) {
        TestingS3 s3 = TestingS3.start();
        for (String bucket : buckets) {
            s3.createBucket(bucket);
        }
        System.setProperty("aws.accessKeyId", s3.accessKey());
        System.setProperty("aws.secretAccessKey", s3.secretKey());
        return s3;
    }

    public static void stopS3(TestingS3 s3) {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        s3.close();
    }
}
