package io.duckbridge.spring.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.lake.Lake;
import io.duckbridge.core.lake.LakeSettings;
import io.duckbridge.core.lake.S3Settings;
import io.duckbridge.core.lake.S3Storage;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class LakeHealthIndicatorTest {
    @TempDir
    Path dir;

    @Test
    void withoutAProbeBucketReachableIsAbsentNotAStringAndWithoutS3ThereIsNothingToProbe() {
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(EngineSettings.IN_MEMORY))) {
            Health local = new LakeHealthIndicator(new Lake(engine, null, LakeSettings.of(dir), null, null), null)
                    .health(true);
            assertThat(local.getStatus()).isEqualTo(Status.UP);
            assertThat(local.getDetails()).containsEntry("path", "none").doesNotContainKeys("reachable", "probe");

            S3Settings settings = S3Settings.compatible(URI.create("http://127.0.0.1:1"), "us-east-1");
            try (S3Storage s3 = S3Storage.open(settings)) {
                Health configured = new LakeHealthIndicator(
                                new Lake(engine, null, LakeSettings.of(dir), s3, null), null)
                        .health(true);
                assertThat(configured.getStatus()).isEqualTo(Status.UP);
                assertThat(configured.getDetails())
                        .containsEntry("path", "sdk")
                        .doesNotContainKey("reachable")
                        .containsKey("probe");
            }
        }
    }
}
