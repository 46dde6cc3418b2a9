package io.duckbridge.core.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.jobs.JobSnapshot;
import io.duckbridge.core.jobs.JobStatus;
import io.duckbridge.testing.TestingS3;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class S3LakeIT {
    /** The same table as the core's LocalLakeTest: one column per row of the sync type mapping. */
    static final String ALL_TYPES = """
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE TABLE main.all_types AS SELECT * FROM (VALUES
              (1, 'eu', (-32768)::SMALLINT, 2147483647::INTEGER, (-9223372036854775808)::BIGINT, 1.5::FLOAT,
               'NaN'::DOUBLE, 12345678.1234::DECIMAL(18,4), 12345678901234567890123456789.123456789::DECIMAL(38,9),
               (-99.99)::DECIMAL(19,2), 'text with ''quotes'', \\ and
            newline', '\\x00\\xFF'::BLOB, true, DATE '2024-02-29', TIMESTAMP '2024-01-01 12:34:56.123456',
               TIMESTAMPTZ '2024-06-30 23:59:59.999999+02', TIME '23:59:59.999999', INTERVAL '1 year 2 months 3 days 04:05:06.789',
               'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID, '{"a": [1, {"b": null}]}'::JSON, [1, NULL, 3]::INTEGER[],
               [['x'], [], NULL]::VARCHAR[][], {'street': 'Main', 'no': 1}, 'happy'::mood, '101'::BIT),
              (2, 'us', NULL, NULL, NULL, 'Infinity'::FLOAT, '-Infinity'::DOUBLE, NULL, NULL, NULL, '', ''::BLOB,
               NULL, DATE 'infinity', TIMESTAMP '-infinity', NULL, NULL, NULL, NULL, NULL, []::INTEGER[], NULL, NULL,
               NULL, NULL),
              (3, 'us', 0, 0, 0, 0, -0.0, 0, 0, 0, 'ünïcødé 🦆', NULL, false, DATE '1970-01-01',
               TIMESTAMP '1900-01-01 00:00:00', TIMESTAMPTZ '1969-12-31 23:59:59.000001+00', TIME '00:00:00', INTERVAL '0 seconds',
               '00000000-0000-0000-0000-000000000000'::UUID, '[]'::JSON, NULL, [[]]::VARCHAR[][], {'street': NULL, 'no': NULL},
               'sad'::mood, '0'::BIT)
            ) AS t(id, region, c_smallint, c_integer, c_bigint, c_float, c_double, c_dec18, c_dec38, c_money, c_text,
                   c_blob, c_bool, c_date, c_ts, c_tstz, c_time, c_interval, c_uuid, c_json, c_int_list, c_2d, c_struct,
                   c_enum, c_bit);
            """;

    static TestingS3 s3;
    static S3Storage storage;

    @TempDir
    Path dataDir;

    DuckDbEngine engine;
    JobRunner jobs;
    Lake lake;

    @BeforeAll
    static void startS3() {
        s3 = TestingS3.start();
        storage = open(s3.secretKey(), s3.endpoint());
    }

    @AfterAll
    static void stopS3() {
        storage.close();
        s3.close();
    }

    static S3Storage open(String secret, URI endpoint) {
        return S3Storage.open(
                S3Settings.compatible(endpoint, "us-east-1").withTimeout(Duration.ofSeconds(30)),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(TestingS3.ACCESS_KEY, secret)));
    }

    /** Storage on the test server with the smallest parts and threshold, uploading during or after the COPY. */
    static S3Storage smallParts(boolean uploadDuringCopy) {
        return S3Storage.open(
                S3Settings.compatible(s3.endpoint(), "us-east-1")
                        .withPartSize(S3Settings.MIN_PART_SIZE, S3Settings.MIN_PART_SIZE)
                        .withTimeout(Duration.ofSeconds(30))
                        .withUploadDuringCopy(uploadDuringCopy),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(TestingS3.ACCESS_KEY, s3.secretKey())));
    }

    @BeforeEach
    void open() {
        s3.healWrites();
        s3.resetCounts();
        s3.createBucket("lake");
        engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString()));
        jobs = new JobRunner(2, 10);
        lake = new Lake(engine, jobs, LakeSettings.of(dataDir), storage, null);
        for (String sql : ALL_TYPES.split(";\n")) {
            if (!sql.isBlank()) {
                engine.executeOnLane(sql);
            }
        }
    }

    @AfterEach
    void close() {
        jobs.close();
        engine.close();
    }

    long count(String sql) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    long differences(String a, String b) {
        return count("SELECT count(*) FROM ((SELECT * FROM " + a + " EXCEPT ALL SELECT * FROM " + b
                + ") UNION ALL (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + "))");
    }

    static ErrorClass classOf(Throwable e) {
        return ((DuckbridgeException) e).errorClass();
    }

    @Test
    void roundTripsEveryTypeThroughS3AsJobs() throws Exception {
        Job export = lake.submitExport(ExportRequest.ofTable("all_types", "s3://lake/types")
                .withLayout(List.of("region"), List.of("id"), null));
        JobSnapshot done = export.completion().get(60, TimeUnit.SECONDS);
        assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.result()).containsEntry("rows", 3L).containsEntry("path", "sdk");
        assertThat((String) done.result().get("manifest"))
                .startsWith("s3://lake/types/v=")
                .endsWith("/_manifest.json");
        assertThat(done.unit()).isEqualTo("bytes");
        assertThat(done.done()).isEqualTo(done.total()).isPositive();
        assertThat(s3.exists("lake", "types/_latest.json")).isTrue();

        Job imported = lake.submitImport(ImportRequest.of("s3://lake/types/**/*.parquet", "copy", ImportMode.CREATE));
        JobSnapshot loaded = imported.completion().get(60, TimeUnit.SECONDS);
        assertThat(loaded.status()).as(String.valueOf(loaded.error())).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(loaded.result()).containsEntry("rows", 3L).containsEntry("manifestVerified", true);
        assertThat(differences("all_types", "copy")).isZero();
        assertThat(dataDir.resolve("staging")).isEmptyDirectory();
    }

    @Test
    void importsEveryVersionOfAnAppendedExport() {
        // each version of an append chain has its own data_0.parquet: all of them are imported, none twice
        lake.export(ExportRequest.ofTable("all_types", "s3://lake/appended"), JobContext.none());
        String first = "SELECT * FROM all_types ORDER BY 1 LIMIT 1";
        engine.executeOnLane("CREATE TABLE first_row AS " + first);
        lake.export(
                ExportRequest.ofTable("first_row", "s3://lake/appended").withMode(ExportMode.APPEND),
                JobContext.none());
        ImportResult imported = lake.importParquet(
                ImportRequest.of("s3://lake/appended", "appended_back", ImportMode.CREATE), JobContext.none());
        assertThat(imported.files()).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM appended_back")).isEqualTo(4);
        assertThat(count("SELECT count(*) FROM ((SELECT * FROM appended_back EXCEPT ALL"
                        + " (SELECT * FROM all_types UNION ALL (" + first + "))) UNION ALL"
                        + " ((SELECT * FROM all_types UNION ALL (" + first
                        + ")) EXCEPT ALL SELECT * FROM appended_back))"))
                .isZero();
    }

    @Test
    void importsPlainParquetWithoutAManifest() throws Exception {
        ExportResult r = lake.export(ExportRequest.ofTable("all_types", "s3://lake/plain"), JobContext.none());
        ObjectStore store = storage.store("lake", "plain");
        // copy the data file somewhere without a manifest next to it
        Path local = dataDir.resolve("x.parquet");
        store.get(r.version() + "/data_0.parquet", local);
        storage.store("lake", "raw").put("region=eu/part.parquet", local);
        lake.importParquet(ImportRequest.of("s3://lake/raw/*/*.parquet", "raw", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM raw WHERE region = 'eu'")).isEqualTo(3);
    }

    @Test
    void importsASingleObjectAndAnExportWithoutFiles() throws Exception {
        ExportResult r = lake.export(ExportRequest.ofTable("all_types", "s3://lake/one"), JobContext.none());
        Path local = dataDir.resolve("x.parquet");
        storage.store("lake", "one").get(r.version() + "/data_0.parquet", local);
        storage.store("lake", "ext").put("types.parquet", local);
        ImportResult single = lake.importParquet(
                ImportRequest.of("s3://lake/ext/types.parquet", "single", ImportMode.CREATE), JobContext.none());
        assertThat(single.files()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM single")).isEqualTo(3);

        // a partitioned export of no rows has no files, only its manifest: a replace empties the target
        engine.executeOnLane("CREATE TABLE nothing AS SELECT * FROM all_types WHERE false");
        ExportResult empty = lake.export(
                new ExportRequest(
                        "nothing", null, "s3://lake/empty", List.of("region"), null, null, null, null, null, null),
                JobContext.none());
        assertThat(empty.files()).isEmpty();
        ImportResult replaced = lake.importParquet(
                ImportRequest.of("s3://lake/empty", "single", ImportMode.REPLACE), JobContext.none());
        assertThat(replaced.rows()).isZero();
        assertThat(count("SELECT count(*) FROM single")).isZero();
    }

    @Test
    void anOverwriteReplacesADamagedPointer() {
        ExportResult first = lake.export(ExportRequest.ofTable("all_types", "s3://lake/pv"), JobContext.none());
        ObjectStore store = storage.store("lake", "pv");
        store.write("_latest.json", "{garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> lake.export(
                        ExportRequest.ofTable("all_types", "s3://lake/pv").withMode(ExportMode.APPEND),
                        JobContext.none()))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.IO);
                    assertThat(e.getMessage())
                            .contains("s3://lake/pv/_latest.json", "mode overwrite")
                            .doesNotContain("Unexpected character");
                });
        ExportResult second = lake.export(ExportRequest.ofTable("all_types", "s3://lake/pv"), JobContext.none());
        assertThat(new String(store.read("_latest.json").orElseThrow(), java.nio.charset.StandardCharsets.UTF_8))
                .contains(second.version());
        assertThat(store.stat(first.version() + "/_manifest.json")).isPresent();
        lake.importParquet(ImportRequest.of("s3://lake/pv", "pv", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM pv")).isEqualTo(3);
    }

    @Test
    void wrongCredentialsMissingBucketAndUnreachableEndpointFailClearlyAndPublishNothing() throws Exception {
        try (S3Storage wrong = open("wrong", s3.endpoint())) {
            Lake bad = new Lake(engine, jobs, LakeSettings.of(dataDir), wrong, null);
            assertThatThrownBy(
                            () -> bad.export(ExportRequest.ofTable("all_types", "s3://lake/denied"), JobContext.none()))
                    .satisfies(e -> assertThat(classOf(e)).as(e.getMessage()).isEqualTo(ErrorClass.PERMISSION));
        }
        assertThat(storage.store("lake", "denied").list("")).isEmpty();

        assertThatThrownBy(() ->
                        lake.export(ExportRequest.ofTable("all_types", "s3://missing-bucket/x"), JobContext.none()))
                .hasMessageContaining("missing-bucket")
                .satisfies(e -> assertThat(classOf(e)).as(e.getMessage()).isEqualTo(ErrorClass.NOT_FOUND));

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (S3Storage unreachable = open(s3.secretKey(), URI.create("http://127.0.0.1:" + closedPort))) {
            Lake away = new Lake(engine, jobs, LakeSettings.of(dataDir), unreachable, null);
            Job job = away.submitExport(ExportRequest.ofTable("all_types", "s3://lake/away"));
            JobSnapshot failed = job.completion().get(60, TimeUnit.SECONDS);
            assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
            assertThat(failed.error().errorClass()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE);
        }
        assertThat(storage.store("lake", "away").list("")).isEmpty();

        Lake tiny = new Lake(engine, jobs, LakeSettings.of(dataDir).withMaxStagingBytes(100L), storage, null);
        assertThatThrownBy(() -> tiny.export(ExportRequest.ofTable("all_types", "s3://lake/full"), JobContext.none()))
                .satisfies(e -> assertThat(classOf(e)).as(e.getMessage()).isEqualTo(ErrorClass.IO));
        assertThat(storage.store("lake", "full").list("")).isEmpty();
        assertThat(dataDir.resolve("staging")).isEmptyDirectory();
    }

    @Test
    void anUploadDyingHalfwayLeavesThePreviousExportReadableAndIsCleanedUpNextRun() {
        ExportResult first = lake.export(ExportRequest.ofTable("all_types", "s3://lake/orders"), JobContext.none());
        ObjectStore store = storage.store("lake", "orders");
        byte[] pointer = store.read("_latest.json").orElseThrow();
        byte[] manifest = store.read(first.version() + "/_manifest.json").orElseThrow();

        engine.executeOnLane("INSERT INTO all_types SELECT * FROM all_types");
        s3.failWritesAfter(1);
        assertThatThrownBy(() -> lake.export(
                        ExportRequest.ofTable("all_types", "s3://lake/orders")
                                .withLayout(List.of("region"), List.of(), null),
                        JobContext.none()))
                .satisfies(e -> assertThat(classOf(e)).as(e.getMessage()).isEqualTo(ErrorClass.SOURCE_UNAVAILABLE));
        s3.healWrites();

        assertThat(store.read("_latest.json")).hasValue(pointer);
        assertThat(store.read(first.version() + "/_manifest.json")).hasValue(manifest);
        List<String> versions = store.list("v=").stream()
                .map(o -> o.key().substring(0, o.key().indexOf('/')))
                .distinct()
                .toList();
        assertThat(versions).hasSize(2); // the published one and the interrupted one, which has no manifest
        String interrupted = versions.stream()
                .filter(v -> !v.equals(first.version()))
                .findFirst()
                .orElseThrow();
        assertThat(store.stat(interrupted + "/_manifest.json")).isEmpty();
        assertThat(store.stat(interrupted + "/_SUCCESS")).isEmpty();

        lake.importParquet(ImportRequest.of("s3://lake/orders", "previous", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM previous")).isEqualTo(3);

        ExportResult next = lake.export(ExportRequest.ofTable("all_types", "s3://lake/orders"), JobContext.none());
        assertThat(store.list(interrupted)).isEmpty();
        assertThat(next.rows()).isEqualTo(6);
    }

    @Test
    void killingTheProcessMidUploadLeavesThePreviousExportReadable() throws Exception {
        ExportResult first = lake.export(ExportRequest.ofTable("all_types", "s3://lake/killed"), JobContext.none());
        ObjectStore store = storage.store("lake", "killed");
        byte[] pointer = store.read("_latest.json").orElseThrow();
        byte[] manifest = store.read(first.version() + "/_manifest.json").orElseThrow();

        Path childDir = dataDir.resolve("child");
        java.nio.file.Files.createDirectories(childDir);
        s3.resetCounts();
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ExportProcess.class.getName(),
                        childDir.toString(),
                        s3.endpoint().toString(),
                        s3.accessKey(),
                        s3.secretKey(),
                        "s3://lake/killed",
                        "1000000")
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("child.log").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (s3.count("uploadMultipartPart") < 3 && child.isAlive() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // poll interval
            }
            assertThat(child.isAlive())
                    .as("the child should still be uploading: "
                            + java.nio.file.Files.readString(dataDir.resolve("child.log")))
                    .isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL: no cleanup runs in the child
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(s3.count("completeMultipartUpload")).isZero();
        assertThat(store.read("_latest.json")).hasValue(pointer);
        assertThat(store.read(first.version() + "/_manifest.json")).hasValue(manifest);
        lake.importParquet(ImportRequest.of("s3://lake/killed", "survivor", ImportMode.CREATE), JobContext.none());
        assertThat(differences("all_types", "survivor")).isZero();

        // the next export removes whatever the killed one left, including its unfinished multipart upload
        assertThat(s3.count("abortMultipartUpload")).isZero();
        ExportResult next = lake.export(ExportRequest.ofTable("all_types", "s3://lake/killed"), JobContext.none());
        assertThat(s3.count("abortMultipartUpload")).isEqualTo(1);
        assertThat(store.list("v=").stream()
                        .map(o -> o.key().substring(0, o.key().indexOf('/')))
                        .distinct())
                .containsExactlyInAnyOrder(first.version(), next.version());
    }

    @Test
    void anUploadThatCannotBeAbortedDoesNotKeepTheOthers() {
        ExportResult first = lake.export(ExportRequest.ofTable("all_types", "s3://lake/leftovers"), JobContext.none());
        // two uploads killed exports left behind, in versions that were never published
        String stuck = "leftovers/v=20190101T000000000Z-bbbbbbbb/data_0.parquet";
        String abortable = "leftovers/v=20200101T000000000Z-cccccccc/data_0.parquet";
        for (String key : List.of(stuck, abortable)) {
            storage.client().createMultipartUpload(b -> b.bucket("lake").key(key));
        }
        s3.failAbortsOf("20190101T000000000Z");
        try {
            lake.export(ExportRequest.ofTable("all_types", "s3://lake/leftovers"), JobContext.none());
        } finally {
            s3.failAbortsOf(null);
        }
        assertThat(storage.client().listMultipartUploads(b -> b.bucket("lake").prefix("leftovers/")).uploads().stream()
                        .map(u -> u.key()))
                .as("the abortable upload is gone although the one before it could not be aborted")
                .containsExactly(stuck);
        assertThat(first.version()).isNotBlank();
    }

    @Test
    void aCancelledExportLeavesNoPartBehind() throws Exception {
        engine.executeOnLane("CREATE TABLE cancel_big AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS"
                + " payload FROM range(1000000) t(i)");
        try (S3Storage after = smallParts(false)) {
            Lake lakeAfter = new Lake(engine, jobs, LakeSettings.of(dataDir), after, null);
            s3.resetCounts();
            s3.delayParts(Duration.ofMillis(1500));
            io.duckbridge.core.jobs.Job job = jobs.submit(
                    io.duckbridge.core.jobs.JobKind.EXPORT,
                    "an export cancelled while its parts are on their way",
                    context -> lakeAfter
                            .export(
                                    new ExportRequest(
                                            "cancel_big",
                                            null,
                                            "s3://lake/cancelled",
                                            null,
                                            null,
                                            "uncompressed",
                                            null,
                                            null,
                                            null,
                                            null),
                                    context)
                            .toMap());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (s3.count("uploadMultipartPart") < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(job.cancel()).isTrue();
            assertThat(job.completion().get(90, TimeUnit.SECONDS).status())
                    .isEqualTo(io.duckbridge.core.jobs.JobStatus.CANCELLED);
        } finally {
            s3.delayParts(Duration.ZERO);
        }
        // the upload is aborted once the parts on their way have landed (they are held 1.5 s)
        long aborted = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!storage.client()
                        .listMultipartUploads(b -> b.bucket("lake").prefix("cancelled/"))
                        .uploads()
                        .isEmpty()
                && System.nanoTime() < aborted) {
            Thread.sleep(50);
        }
        assertThat(storage.client()
                        .listMultipartUploads(b -> b.bucket("lake").prefix("cancelled/"))
                        .uploads())
                .isEmpty();
        Thread.sleep(2000); // a part still on its way when the upload was aborted would have landed by now
        try (var files = java.nio.file.Files.walk(s3.directory().resolve("lake"))) {
            assertThat(files.filter(java.nio.file.Files::isRegularFile)
                            .map(f -> s3.directory().relativize(f).toString())
                            .filter(f -> f.contains("cancelled")))
                    .as("parts stored after the abort, which no listing finds")
                    .isEmpty();
        }
    }

    @Test
    void a200MegabyteExportUploadsInParallelParts() {
        engine.executeOnLane("CREATE TABLE big AS SELECT i, lpad(i::VARCHAR, 100, 'abcdefghij') AS payload"
                + " FROM range(2100000) t(i)");
        s3.resetCounts();
        ExportResult r = lake.export(
                new ExportRequest("big", null, "s3://lake/big", null, null, "uncompressed", null, null, null, null),
                JobContext.none());
        assertThat(r.bytes()).isGreaterThan(200L * 1024 * 1024);
        long partSize = storage.settings().partSizeBytes();
        assertThat(s3.count("uploadMultipartPart")).isGreaterThanOrEqualTo(r.bytes() / partSize);
        assertThat(s3.count("completeMultipartUpload")).isEqualTo(1);
        assertThat(s3.maxConcurrentPartUploads()).isGreaterThan(1);
        assertThat(storage.store("lake", "big").stat(r.version() + "/data_0.parquet"))
                .hasValueSatisfying(o -> assertThat(o.sizeBytes()).isEqualTo(r.bytes()));
    }

    @Test
    void anExportUploadedAfterTheCopyReportsProgressPartByPart() {
        engine.executeOnLane("CREATE VIEW hashes AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS payload"
                + " FROM range(1000000) t(i)");
        try (S3Storage after = smallParts(false)) {
            Lake lakeAfter = new Lake(engine, jobs, LakeSettings.of(dataDir), after, null);
            List<Long> advances = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            long[] total = {-1};
            JobContext recording = new JobContext() {
                @Override
                public String jobId() {
                    return "progress";
                }

                @Override
                public void total(long t, String unit) {
                    total[0] = t;
                }

                @Override
                public void phase(long t, String unit) {
                    // the COPY's percent, then publishing's bytes: only the last phase is checked here
                    total[0] = t;
                    advances.clear();
                }

                @Override
                public void advance(long delta) {
                    advances.add(delta);
                }

                @Override
                public boolean cancelRequested() {
                    return false;
                }

                @Override
                public void checkCancelled() {}
            };
            ExportResult r = lakeAfter.export(
                    new ExportRequest(
                            "hashes", null, "s3://lake/progress", null, null, "uncompressed", null, null, null, null),
                    recording);
            assertThat(r.bytes()).isGreaterThan(2 * S3Settings.MIN_PART_SIZE);
            // one step per part stored, not one at the end
            assertThat(advances.size()).isGreaterThanOrEqualTo((int) (r.bytes() / S3Settings.MIN_PART_SIZE));
            assertThat(advances.stream().mapToLong(Long::longValue).sum())
                    .isEqualTo(total[0])
                    .isEqualTo(r.bytes());
        }
    }

    @Test
    void anExportUploadingWhileDuckDbWritesPublishesTheSameVerifiedData() {
        // a view: DuckDB computes the rows during the COPY, so it writes for longer than one look of the watch
        engine.executeOnLane("CREATE VIEW hashes AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS payload"
                + " FROM range(2000000) t(i)");
        // the smallest parts and threshold, so the watch meets the file mid-COPY even on an idle machine where
        // DuckDB writes it within a second
        try (S3Storage overlapping = smallParts(true)) {
            Lake during = new Lake(engine, jobs, LakeSettings.of(dataDir), overlapping, null);
            s3.resetCounts();
            ExportResult r = during.export(
                    new ExportRequest(
                            "hashes", null, "s3://lake/during", null, List.of("i"), "zstd", 9, null, null, null),
                    JobContext.none());

            assertThat(r.bytes()).isGreaterThan(overlapping.settings().multipartThresholdBytes());
            assertThat(s3.count("uploadMultipartPart")).isGreaterThanOrEqualTo(2);
            assertThat(s3.count("completeMultipartUpload")).isEqualTo(1);
            // uploaded while DuckDB wrote it: the object could not carry its SHA-256, the manifest does
            ObjectStore store = overlapping.store("lake", "during");
            assertThat(store.stat(r.version() + "/data_0.parquet"))
                    .hasValueSatisfying(o -> assertThat(o.sha256()).isNull());
            ExportManifest manifest = ExportManifest.parse(
                    "manifest", store.read(r.version() + "/_manifest.json").orElseThrow());
            assertThat(manifest.files())
                    .singleElement()
                    .satisfies(f -> assertThat(f.sha256()).hasSize(64));

            during.importParquet(
                    ImportRequest.of("s3://lake/during", "hashes_back", ImportMode.CREATE), JobContext.none());
        }
        assertThat(differences("hashes", "hashes_back")).isZero();
        assertThat(count("SELECT count(*) FROM hashes_back")).isEqualTo(2_000_000);
    }
}
