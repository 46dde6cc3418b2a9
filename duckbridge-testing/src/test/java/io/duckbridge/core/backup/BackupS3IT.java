package io.duckbridge.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.lake.ObjectStore;
import io.duckbridge.core.lake.S3Settings;
import io.duckbridge.core.lake.S3Storage;
import io.duckbridge.testing.TestingS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Backups against a real S3 protocol server (S3Proxy): upload, listing of the remote copies, and disaster
 * recovery from them — a fresh backup directory downloads a backup, validates it and restores it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BackupS3IT {
    @TempDir
    Path dir;

    @Test
    void uploadsListsDownloadsValidatesAndRestoresFromS3() throws Exception {
        try (TestingS3 s3 = TestingS3.start();
                S3Storage storage = storage(
                        s3,
                        S3Settings.compatible(s3.endpoint(), s3.region())
                                .withPartSize(S3Settings.MIN_PART_SIZE, S3Settings.MIN_PART_SIZE));
                DuckDbEngine engine = engine()) {
            s3.createBucket("dr-backups");
            ObjectStore remote = storage.store("dr-backups", "prod/backups");
            execute(
                    engine,
                    "CREATE SCHEMA shop",
                    // large enough that the archive is uploaded in several parts
                    "CREATE TABLE shop.orders AS SELECT i AS id, md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS note,"
                            + " i % 97 AS qty FROM range(400000) t(i)",
                    "CREATE VIEW shop.big_orders AS SELECT * FROM shop.orders WHERE qty > 90");
            BackupService service = new BackupService(engine, BackupSettings.defaults(dir.resolve("backups")));
            service.uploadTo(remote);
            long bigOrders = count(engine, "shop.big_orders");
            BackupManifest first = service.create(JobContext.none());
            execute(engine, "DELETE FROM shop.orders WHERE id < 1000");
            BackupManifest second = service.create(JobContext.none());

            assertThat(second.archiveBytes()).isGreaterThan(S3Settings.MIN_PART_SIZE);
            assertThat(s3.exists("dr-backups", "prod/backups/" + second.id() + "/" + BackupCatalog.ARCHIVE))
                    .isTrue();
            assertThat(s3.exists("dr-backups", "prod/backups/" + second.id() + "/" + BackupCatalog.MANIFEST))
                    .isTrue();
            assertThat(service.listRemote()).extracting(BackupManifest::id).containsExactly(second.id(), first.id());
            assertThat(service.listRemote().getFirst().sha256()).isEqualTo(second.sha256());

            // disaster: the local backup directory is gone; a new service recovers from the bucket alone
            BackupService recovered = new BackupService(engine, BackupSettings.defaults(dir.resolve("new-backups")));
            recovered.uploadTo(remote);
            assertThat(recovered.list()).isEmpty();
            BackupManifest downloaded = recovered.download(first.id(), JobContext.none());
            assertThat(downloaded.sha256()).isEqualTo(first.sha256());
            assertThat(recovered.list()).extracting(BackupManifest::id).containsExactly(first.id());
            BackupValidation validation = recovered.validate(first.id(), JobContext.none());
            assertThat(validation.problems()).isEmpty();
            assertThat(validation.valid()).isTrue();

            RestoreResult restored = recovered.restore(first.id(), JobContext.none());
            assertThat(restored.tables()).containsEntry("shop.orders", 400000L);
            assertThat(count(engine, "shop.orders")).isEqualTo(400000L);
            assertThat(count(engine, "shop.big_orders")).isEqualTo(bigOrders);

            // a remote archive altered after upload is refused and leaves nothing listed locally
            Path altered = dir.resolve("altered.zst");
            remote.get(second.id() + "/" + BackupCatalog.ARCHIVE, altered);
            byte[] bytes = Files.readAllBytes(altered);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(altered, bytes);
            remote.put(second.id() + "/" + BackupCatalog.ARCHIVE, altered);
            assertThatThrownBy(() -> recovered.download(second.id(), JobContext.none()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.IO))
                    .hasMessageContaining("SHA-256");
            assertThat(recovered.list()).extracting(BackupManifest::id).containsExactly(first.id());
            assertThat(Files.list(dir.resolve("new-backups"))
                            .map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.contains(second.id()));

            assertThatThrownBy(() -> recovered.download("20200101T000000000Z-000000", JobContext.none()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_FOUND));

            // retention removes the remote copy of what it deletes, and the listing follows
            assertThat(service.prune(new RetentionPolicy(1, null), Instant.now()))
                    .containsExactly(first.id());
            assertThat(s3.exists("dr-backups", "prod/backups/" + first.id() + "/" + BackupCatalog.ARCHIVE))
                    .isFalse();
            assertThat(service.listRemote()).extracting(BackupManifest::id).containsExactly(second.id());

            // a backup that exists only in the bucket (no local copy here) can be deleted too
            assertThat(recovered.list()).extracting(BackupManifest::id).doesNotContain(second.id());
            assertThat(recovered.delete(second.id())).isTrue();
            assertThat(s3.exists("dr-backups", "prod/backups/" + second.id() + "/" + BackupCatalog.ARCHIVE))
                    .isFalse();
            assertThat(service.listRemote()).isEmpty();
            assertThat(recovered.delete("20200101T000000000Z-000000")).isFalse();
        }
    }

    @Test
    void deletingWhileTheStorageIsDownSaysTheRemoteCopyIsLeft() throws Exception {
        TestingS3 s3 = TestingS3.start();
        try (s3;
                S3Storage storage = storage(
                        s3, S3Settings.compatible(s3.endpoint(), s3.region()).withTimeout(Duration.ofSeconds(5)));
                DuckDbEngine engine = engine()) {
            s3.createBucket("dr-gone");
            execute(engine, "CREATE TABLE orders AS SELECT i AS id FROM range(1000) t(i)");
            BackupService service = new BackupService(engine, BackupSettings.defaults(dir.resolve("backups")));
            service.uploadTo(storage.store("dr-gone", "backups"));
            BackupManifest backup = service.create(JobContext.none());
            stop(s3); // the storage goes away

            // it used to answer "deleted" (204) and leave the remote copy without a word to the caller
            assertThatThrownBy(() -> service.delete(backup.id()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE))
                    .hasMessageContaining("deleted locally")
                    .hasMessageContaining("send the DELETE again");
            assertThat(service.list()).isEmpty();
        }
    }

    /** Stops the S3 server before the end of its try block (closing it twice is harmless). */
    private static void stop(TestingS3 s3) {
        s3.close();
    }

    @Test
    void theNextBackupUploadsOneWhoseUploadFailed() throws Exception {
        try (TestingS3 s3 = TestingS3.start();
                S3Storage storage = storage(s3, S3Settings.compatible(s3.endpoint(), s3.region()));
                DuckDbEngine engine = engine()) {
            execute(engine, "CREATE TABLE orders AS SELECT i AS id FROM range(1000) t(i)");
            BackupService service = new BackupService(engine, BackupSettings.defaults(dir.resolve("backups")));
            // the bucket does not exist yet: the storage refuses the first upload
            service.uploadTo(storage.store("late-bucket", "backups"));
            assertThatThrownBy(() -> service.create(JobContext.none()))
                    .isInstanceOf(DuckbridgeException.class)
                    .hasMessageContaining("was written locally, but its upload");
            BackupManifest first = service.list().getFirst();
            assertThat(service.describe(first).get("locations").toString()).doesNotContain("s3://");

            s3.createBucket("late-bucket");
            BackupManifest second = service.create(JobContext.none());

            assertThat(service.listRemote()).extracting(BackupManifest::id).containsExactly(second.id(), first.id());
            assertThat(s3.exists("late-bucket", "backups/" + first.id() + "/" + BackupCatalog.ARCHIVE))
                    .isTrue();
            assertThat(service.describe(first).get("locations").toString()).contains("s3://late-bucket/backups/");
        }
    }

    @Test
    void aRemoteManifestNamingAnotherArchiveIsRefusedWithASentence() throws Exception {
        try (TestingS3 s3 = TestingS3.start();
                S3Storage storage = storage(s3, S3Settings.compatible(s3.endpoint(), s3.region()));
                DuckDbEngine engine = engine()) {
            s3.createBucket("odd");
            ObjectStore remote = storage.store("odd", "backups");
            execute(engine, "CREATE TABLE orders AS SELECT i AS id FROM range(1000) t(i)");
            BackupService service = new BackupService(engine, BackupSettings.defaults(dir.resolve("backups")));
            service.uploadTo(remote);
            BackupManifest backup = service.create(JobContext.none());
            String key = backup.id() + "/" + BackupCatalog.MANIFEST;
            String manifest = new String(remote.read(key).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8);
            for (String archive : java.util.List.of("x.zst", "../../../../tmp/elsewhere.zst")) {
                Path changed = dir.resolve("changed.json");
                Files.writeString(
                        changed, manifest.replace("\"" + BackupCatalog.ARCHIVE + "\"", "\"" + archive + "\""));
                remote.put(key, changed);

                BackupService recovered =
                        new BackupService(engine, BackupSettings.defaults(dir.resolve("new-backups")));
                recovered.uploadTo(remote);
                assertThatThrownBy(() -> recovered.download(backup.id(), JobContext.none()))
                        .isInstanceOfSatisfying(
                                DuckbridgeException.class,
                                e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                        .hasMessageContaining("names the archive \"" + archive + "\"")
                        .hasMessageContaining("always " + BackupCatalog.ARCHIVE);
                assertThat(recovered.list()).isEmpty();
                assertThat(recovered.listRemote()).isEmpty();
            }
        }
    }

    private static S3Storage storage(TestingS3 s3, S3Settings settings) {
        return S3Storage.open(
                settings.withTimeout(Duration.ofSeconds(30)),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(TestingS3.ACCESS_KEY, s3.secretKey())));
    }

    private DuckDbEngine engine() {
        return DuckDbEngine.open(
                EngineSettings.defaults(dir.resolve("live.duckdb").toString()).withThreads(2));
    }

    private static void execute(DuckDbEngine engine, String... statements) {
        engine.write(session -> {
            try (Statement st = session.statement()) {
                for (String sql : statements) {
                    st.execute(sql);
                }
            }
            return null;
        });
    }

    private static long count(DuckDbEngine engine, String table) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
