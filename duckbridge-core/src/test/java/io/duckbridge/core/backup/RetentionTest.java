package io.duckbridge.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.jobs.JobContext;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RetentionTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dataDir;

    @Test
    void keepsTheNewestByCount() {
        var backups = manifests(5);
        assertThat(ids(new RetentionPolicy(2, null).expired(backups, T0.plus(Duration.ofDays(10)), m -> true)))
                .containsExactly("b2", "b1", "b0");
    }

    @Test
    void deletesOlderThanMaxAgeButNeverTheNewestValid() {
        var backups = manifests(5); // b4 is newest, one hour apart
        Instant now = T0.plus(Duration.ofHours(4)).plus(Duration.ofMinutes(30));
        assertThat(ids(new RetentionPolicy(0, Duration.ofHours(2)).expired(backups, now, m -> true)))
                .containsExactly("b2", "b1", "b0");
        assertThat(ids(new RetentionPolicy(0, Duration.ofMinutes(1)).expired(backups, now, m -> true)))
                .as("everything is too old, but the newest valid backup stays")
                .containsExactly("b3", "b2", "b1", "b0");
        assertThat(ids(new RetentionPolicy(1, null).expired(backups, now, m -> !m.id().equals("b4"))))
                .as("the newest is invalid: the count keeps it and the newest valid one stays too")
                .containsExactly("b2", "b1", "b0");
        assertThat(ids(new RetentionPolicy(1, null).expired(backups, now, m -> false)))
                .containsExactly("b3", "b2", "b1", "b0");
    }

    @Test
    void rejectsNegativeLimits() {
        assertThatThrownBy(() -> new RetentionPolicy(-1, null))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("retention.count");
        assertThatThrownBy(() -> new RetentionPolicy(0, Duration.ofSeconds(-5)))
                .hasMessageContaining("retention.max-age");
    }

    @Test
    void pruneDeletesExactlyTheExpectedBackupsOnDisk() throws Exception {
        try (var engine = engineWithATable()) {
            var service = new BackupService(engine, BackupSettings.defaults(dataDir.resolve("backups")));
            List<String> created = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                created.add(service.create(JobContext.none()).id());
            }
            // the newest backup is damaged and known to be invalid
            String newest = created.get(3);
            try (var f = new RandomAccessFile(
                    service.catalog().archive(service.get(newest)).toFile(), "rw")) {
                f.setLength(10);
            }
            assertThat(service.validate(newest, JobContext.none()).valid()).isFalse();

            List<String> deleted = service.prune(new RetentionPolicy(1, null), Instant.now());

            assertThat(deleted).containsExactly(created.get(1), created.get(0));
            assertThat(service.list()).extracting(BackupManifest::id).containsExactly(newest, created.get(2));
            assertThat(service.newestValid()).map(BackupManifest::id).contains(created.get(2));
            assertThat(dataDir.resolve("backups").resolve(created.get(0))).doesNotExist();
        }
    }

    @Test
    void backupsDatedInTheFutureNeitherCountNorGetDeleted() {
        var backups = manifests(5); // b4 newest, one hour apart
        Instant now = T0.plus(Duration.ofHours(2)).plus(Duration.ofMinutes(30)); // b3 and b4 lie in the future
        assertThat(ids(new RetentionPolicy(1, null).expired(backups, now, m -> true)))
                .as("the newest backup dated before now is kept; the ones after it are not ranked above it")
                .containsExactly("b1", "b0");
        assertThat(ids(new RetentionPolicy(0, Duration.ofMinutes(1)).expired(backups, now, m -> true)))
                .containsExactly("b1", "b0");
        assertThat(RetentionPolicy.datedInTheFuture(backups.get(0), now)).isTrue();
        assertThat(RetentionPolicy.datedInTheFuture(backups.get(2), now)).isFalse();
    }

    @Test
    void pruneNeverKeepsADamagedBackupInPlaceOfTheLastIntactOne() throws Exception {
        try (var engine = engineWithATable()) {
            var service = new BackupService(engine, BackupSettings.defaults(dataDir.resolve("backups")));
            String older = service.create(JobContext.none()).id();
            String newer = service.create(JobContext.none()).id();
            // bytes flipped inside the newer archive: same size, never validated
            try (var f = new RandomAccessFile(
                    service.catalog().archive(service.get(newer)).toFile(), "rw")) {
                f.seek(f.length() / 2);
                int b = f.read();
                f.seek(f.length() / 2);
                f.write(b ^ 0xFF);
            }

            assertThat(service.prune(new RetentionPolicy(1, null), Instant.now()))
                    .isEmpty();
            assertThat(service.list()).extracting(BackupManifest::id).containsExactly(newer, older);
            assertThat(service.newestValid()).map(BackupManifest::id).contains(older);
            assertThat(service.lastValidation(newer))
                    .hasValueSatisfying(v -> assertThat(v.valid()).isFalse());
        }
    }

    private DuckDbEngine engineWithATable() {
        var engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString())
                        .withThreads(2));
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE t AS SELECT range AS i FROM range(100)");
            }
            return null;
        });
        return engine;
    }

    private static List<BackupManifest> manifests(int n) {
        List<BackupManifest> list = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            list.add(new BackupManifest(
                    "b" + i,
                    T0.plus(Duration.ofHours(i)),
                    "test",
                    "v",
                    "db",
                    "database.duckdb.zst",
                    "zstd",
                    1,
                    1,
                    "00",
                    List.of(),
                    null,
                    0,
                    0));
        }
        return list;
    }

    private static List<String> ids(List<BackupManifest> manifests) {
        return manifests.stream().map(BackupManifest::id).toList();
    }
}
