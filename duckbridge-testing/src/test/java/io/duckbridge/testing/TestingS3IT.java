package io.duckbridge.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestingS3IT {
    static TestingS3 s3;

    @org.junit.jupiter.api.BeforeAll
    static void start() {
        s3 = TestingS3.start();
    }

    @org.junit.jupiter.api.AfterAll
    static void stop() {
        s3.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void reset() {
        s3.healWrites();
        s3.resetCounts();
    }

    private static S3Client client(TestingS3 s3, String secret) {
        return S3Client.builder()
                .endpointOverride(s3.endpoint())
                .region(Region.of(s3.region()))
                .forcePathStyle(true)
                // S3Proxy does not know the SDK's default trailing checksums
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), secret)))
                .build();
    }

    @Test
    void storesAndReturnsObjectsOverTheS3Protocol() {
        try (S3Client client = client(s3, s3.secretKey())) {
            assertThat(s3.endpoint().getHost()).isEqualTo("127.0.0.1");
            s3.createBucket("lake");
            client.putObject(b -> b.bucket("lake").key("a/b.txt"), RequestBody.fromString("hello"));
            assertThat(client.getObjectAsBytes(b -> b.bucket("lake").key("a/b.txt"))
                            .asUtf8String())
                    .isEqualTo("hello");
            assertThat(s3.exists("lake", "a/b.txt")).isTrue();
            assertThat(s3.count("putBlob")).isEqualTo(1);
        }
    }

    @Test
    void refusesAWrongSecret() {
        try (S3Client client = client(s3, "not-the-secret")) {
            s3.createBucket("lake");
            assertThatThrownBy(() -> client.putObject(b -> b.bucket("lake").key("denied"), RequestBody.fromString("x")))
                    .isInstanceOf(S3Exception.class)
                    .satisfies(e -> assertThat(((S3Exception) e).statusCode()).isEqualTo(403));
            assertThat(s3.exists("lake", "denied")).isFalse();
        }
    }

    @Test
    void failsWritesWhenAsked() {
        try (S3Client client = client(s3, s3.secretKey())) {
            s3.createBucket("lake");
            s3.failWritesAfter(0);
            assertThatThrownBy(() -> client.putObject(b -> b.bucket("lake").key("x"), RequestBody.fromString("x")))
                    .isInstanceOf(S3Exception.class);
            s3.healWrites();
            client.putObject(b -> b.bucket("lake").key("x"), RequestBody.fromString("x"));
            assertThat(s3.exists("lake", "x")).isTrue();
        }
    }
}
