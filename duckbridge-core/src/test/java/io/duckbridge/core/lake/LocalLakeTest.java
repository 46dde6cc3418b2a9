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
import io.duckbridge.core.query.QueryGuard;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalLakeTest {
    /** One column per row of the sync type mapping, with edge values. */
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
               NULL, DATE 'infinity', TIMESTAMP '-infinity', NULL, NULL,
               INTERVAL '-1 month 2 days -00:00:00.000001', NULL, NULL, []::INTEGER[], NULL, NULL,
               NULL, NULL),
              (3, 'us', 0, 0, 0, 0, -0.0, 0, 0, 0, 'ünïcødé 🦆', NULL, false, DATE '1970-01-01',
               TIMESTAMP '1900-01-01 00:00:00', TIMESTAMPTZ '1969-12-31 23:59:59.000001+00', TIME '00:00:00', INTERVAL '0 seconds',
               '00000000-0000-0000-0000-000000000000'::UUID, '[]'::JSON, NULL, [[]]::VARCHAR[][], {'street': NULL, 'no': NULL},
               'sad'::mood, '0'::BIT)
            ) AS t(id, region, c_smallint, c_integer, c_bigint, c_float, c_double, c_dec18, c_dec38, c_money, c_text,
                   c_blob, c_bool, c_date, c_ts, c_tstz, c_time, c_interval, c_uuid, c_json, c_int_list, c_2d, c_struct,
                   c_enum, c_bit);
            """;

    @TempDir
    Path dataDir;

    DuckDbEngine engine;
    Lake lake;

    @BeforeEach
    void open() {
        engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString()));
        lake = new Lake(engine, null, LakeSettings.of(dataDir), null, null);
        for (String sql : ALL_TYPES.split(";\n")) {
            if (!sql.isBlank()) {
                engine.executeOnLane(sql);
            }
        }
    }

    @AfterEach
    void close() {
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

    List<String> strings(String sql) {
        return engine.read(session -> {
            List<String> out = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    long differences(String a, String b) {
        return count("SELECT count(*) FROM ((SELECT * FROM " + a + " EXCEPT ALL SELECT * FROM " + b
                + ") UNION ALL (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + "))");
    }

    @Test
    void sortsEveryFileOfAPartitionedExportByItsOrderBy() throws Exception {
        // a partitioned COPY of an ordered query left rows out of order inside some partition files
        // (duckdb/duckdb#14349); several threads and 200,000 rows over 8 partitions showed it every time
        DuckDbEngine threaded = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("threaded.duckdb").toString())
                        .withThreads(4));
        try {
            threaded.executeOnLane("CREATE TABLE ev AS SELECT i AS id,"
                    + " (['eu', 'us', 'a b', 'x''y', NULL, '', 'ap', 'sa'])[i % 8 + 1] AS region,"
                    + " TIMESTAMP '2024-01-01' + ((i * 7919) % 200000) * INTERVAL 7 SECOND AS ts,"
                    + " ((i * 31) % 1000 - 500) * INTERVAL 1 MINUTE AS wait"
                    + " FROM range(200000) t(i)");
            Lake threadedLake = new Lake(threaded, null, LakeSettings.of(dataDir), null, null);
            ExportResult byTs = threadedLake.export(
                    new ExportRequest(
                            "ev",
                            null,
                            "file:ev",
                            List.of("region"),
                            List.of("ts desc", "id"),
                            null,
                            null,
                            5000,
                            null,
                            null),
                    JobContext.none());
            assertThat(byTs.files()).hasSize(8);
            assertThat(byTs.rows()).isEqualTo(200_000);
            Path root = dataDir.resolve("exports/ev/" + byTs.version());
            assertThat(unsortedFiles(threaded, root, "ts DESC, id")).isEmpty();

            // an INTERVAL column is written as text, yet its files are sorted by the interval, not the text
            ExportResult byWait = threadedLake.export(
                    new ExportRequest(
                            "ev",
                            null,
                            "file:ev-wait",
                            List.of("region"),
                            List.of("wait", "id"),
                            null,
                            null,
                            null,
                            null,
                            null),
                    JobContext.none());
            assertThat(unsortedFiles(
                            threaded,
                            dataDir.resolve("exports/ev-wait/" + byWait.version()),
                            "CAST(wait AS INTERVAL), id"))
                    .isEmpty();
        } finally {
            threaded.close();
        }
    }

    /** The files under {@code dir} whose rows are not in the order {@code orderBy}, with their rows out of place. */
    private static List<String> unsortedFiles(DuckDbEngine engine, Path dir, String orderBy) {
        String files = SqlNames.literal(dir + "/**/*.parquet");
        return engine.read(session -> {
            List<String> out = new ArrayList<>();
            // a file is sorted when its row number order equals the order by the terms
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(
                            "SELECT filename, count(*) FILTER (WHERE sorted_at <> file_row_number)"
                                    + " FROM (SELECT filename, file_row_number, row_number() OVER (PARTITION BY filename"
                                    + " ORDER BY " + orderBy + ") - 1 AS sorted_at FROM read_parquet(" + files
                                    + ", filename = true, file_row_number = true, hive_partitioning = false))"
                                    + " GROUP BY filename HAVING count(*) FILTER (WHERE sorted_at <> file_row_number) > 0")) {
                while (rs.next()) {
                    out.add(rs.getString(1) + ": " + rs.getLong(2) + " rows out of place");
                }
            }
            return out;
        });
    }

    @Test
    void theManifestSaysNullForANullPartitionAndNoLevelForCodecsWithoutOneAndKeepsSyncStateTypes() throws Exception {
        engine.executeOnLane("CREATE SCHEMA duckbridge");
        engine.executeOnLane("CREATE TABLE duckbridge.sync_state (table_name VARCHAR, rows BIGINT, lossy VARCHAR)");
        engine.executeOnLane("INSERT INTO duckbridge.sync_state VALUES ('main.nullable', 4, '{\"n\": 2}')");
        engine.executeOnLane("CREATE TABLE nullable AS SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'C++' END AS lang"
                + " FROM range(4) t(i)");
        ExportResult exported = lake.export(
                new ExportRequest(
                        "nullable", null, "file:nullable", List.of("lang"), null, "snappy", 5, null, null, null),
                JobContext.none());
        var manifest = tools.jackson.databind.json.JsonMapper.shared()
                .readTree(Path.of(java.net.URI.create(exported.manifest())).toFile());
        assertThat(manifest.path("compression").asString()).isEqualTo("snappy");
        assertThat(manifest.path("compressionLevel").isNull())
                .as(manifest.toString())
                .isTrue();
        List<String> partitions = new ArrayList<>();
        manifest.path("files")
                .forEach(f -> partitions.add(
                        f.at("/partition/lang").isNull()
                                ? null
                                : f.at("/partition/lang").asString()));
        assertThat(partitions).containsExactlyInAnyOrder("C++", null);
        assertThat(manifest.at("/sourceSyncState/rows").isNumber())
                .as(manifest.toString())
                .isTrue();
        assertThat(manifest.at("/sourceSyncState/lossy/n").asLong()).isEqualTo(2);

        // and a partition column whose name a directory must escape is refused up front
        assertThatThrownBy(() -> new ExportRequest(
                        null,
                        "SELECT 1 AS \"my col\"",
                        "file:x",
                        List.of("my col"),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("\"my col\"", "AS my_col");
                });
    }

    @Test
    void importsIntoASchemaNamedLikeTheDatabase() {
        // the engine's file is analytics.duckdb, so its catalog is "analytics" too
        lake.export(ExportRequest.ofTable("all_types", "file:same_name"), JobContext.none());
        lake.importParquet(
                ImportRequest.of("file:same_name", "analytics.orders_copy", ImportMode.CREATE), JobContext.none());
        lake.importParquet(
                ImportRequest.of("file:same_name", "analytics.orders_copy", ImportMode.APPEND), JobContext.none());
        assertThat(count("SELECT count(*) FROM analytics.analytics.orders_copy"))
                .isEqualTo(6);
    }

    @Test
    void aColumnNamedVComesBackWithItsOwnValuesNotTheVersionDirectory() {
        engine.executeOnLane(
                "CREATE TABLE with_v AS SELECT i AS id, 'value ' || i AS v, i % 2 AS half FROM range(6) t(i)");
        lake.export(ExportRequest.ofTable("with_v", "file:with_v"), JobContext.none());
        lake.export(
                new ExportRequest(
                        "with_v", null, "file:with_v_parts", List.of("half"), null, null, null, null, null, null),
                JobContext.none());
        lake.importParquet(ImportRequest.of("file:with_v", "v_back", ImportMode.CREATE), JobContext.none());
        lake.importParquet(ImportRequest.of("file:with_v_parts", "v_parts_back", ImportMode.CREATE), JobContext.none());
        assertThat(differences("with_v", "v_back")).isZero();
        assertThat(differences("with_v", "(SELECT id, v, half FROM v_parts_back)"))
                .isZero();
        // the links the import read through are gone with its staging directory; the export is untouched
        assertThat(dataDir.resolve("staging")).isEmptyDirectory();
        assertThat(count(
                        "SELECT count(*) FROM read_parquet('" + dataDir.resolve("exports/with_v") + "/v=*/*.parquet')"))
                .isEqualTo(6);
    }

    @Test
    void roundTripsEveryMappedTypeWithEqualValues() {
        ExportResult exported = lake.export(
                ExportRequest.ofTable("all_types", "file:types")
                        .withLayout(List.of("region"), List.of("id desc"), null),
                JobContext.none());
        assertThat(exported.rows()).isEqualTo(3);
        assertThat(exported.path()).isEqualTo("local");
        assertThat(exported.files()).hasSize(2).allSatisfy(f -> assertThat(f).contains("region="));

        ImportResult imported =
                lake.importParquet(ImportRequest.of("file:types", "copy_types", ImportMode.CREATE), JobContext.none());
        assertThat(imported.rows()).isEqualTo(3);
        assertThat(imported.manifestVerified()).isTrue();
        assertThat(strings("SELECT column_type FROM (DESCRIBE copy_types)"))
                .isEqualTo(strings("SELECT column_type FROM (DESCRIBE all_types)"));
        assertThat(differences("all_types", "copy_types")).isZero();
    }

    @Test
    void keepsNegativeAndMicrosecondIntervalsAloneAndNestedInTheirOrder() {
        engine.executeOnLane("CREATE TABLE spans AS SELECT * FROM (VALUES"
                + " (1, INTERVAL '-3 months -4 days -00:00:01.25', [INTERVAL '1 microsecond', NULL],"
                + " {'i': INTERVAL '-1 day'}),"
                + " (2, INTERVAL '10 days 00:00:00.000001', [], {'i': NULL}),"
                + " (3, NULL, NULL, NULL), (4, INTERVAL '9 days', NULL, NULL)) AS t(id, span, spans, s)");
        lake.export(
                ExportRequest.ofTable("spans", "file:spans").withLayout(List.of(), List.of("span"), null),
                JobContext.none());
        // written as text (Parquet's INTERVAL refuses negative parts and drops microseconds), typed by the manifest
        String glob = dataDir.resolve("exports/spans").toString() + "/v=*/*.parquet";
        assertThat(strings("SELECT CAST(span AS VARCHAR) FROM read_parquet('" + glob + "')"))
                .as("in interval order, not text order")
                .containsExactly("-3 months -4 days -00:00:01.25", "9 days", "10 days 00:00:00.000001", null);

        lake.importParquet(ImportRequest.of("file:spans", "spans_copy", ImportMode.CREATE), JobContext.none());
        assertThat(strings("SELECT column_type FROM (DESCRIBE spans_copy)"))
                .isEqualTo(strings("SELECT column_type FROM (DESCRIBE spans)"));
        assertThat(differences("spans", "spans_copy")).isZero();
    }

    @Test
    void anUnqualifiedImportTargetIsTheTableQueriesSeeUnderThatName() {
        // a synced table lives in public; queries find it unqualified through the search path
        engine.executeOnLane("CREATE SCHEMA IF NOT EXISTS public");
        engine.executeOnLane("CREATE TABLE public.synced AS SELECT i AS id FROM range(3) t(i)");
        engine.executeOnLane("CREATE TABLE more AS SELECT i + 10 AS id FROM range(2) t(i)");
        lake.export(ExportRequest.ofTable("more", "file:more"), JobContext.none());

        lake.importParquet(ImportRequest.of("file:more", "synced", ImportMode.APPEND), JobContext.none());
        assertThat(count("SELECT count(*) FROM public.synced")).isEqualTo(5);
        assertThatThrownBy(() -> lake.importParquet(
                        ImportRequest.of("file:more", "synced", ImportMode.CREATE), JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONFLICT));
        lake.importParquet(ImportRequest.of("file:more", "synced", ImportMode.REPLACE), JobContext.none());
        assertThat(count("SELECT count(*) FROM public.synced")).isEqualTo(2);
        // never a main.synced that would hide the synced copy
        assertThat(strings("SELECT schema_name FROM duckdb_tables() WHERE table_name = 'synced'"))
                .containsExactly("public");
    }

    @Test
    void removesWhatAKilledImportLeftBehind() throws Exception {
        // what a process killed between staging and the writer lane's swap leaves
        engine.executeOnLane("CREATE TABLE __duckbridge_import_0badc0de AS SELECT 1 AS id");
        engine.executeOnLane("CREATE TABLE keep_me AS SELECT 1 AS id");
        Path downloaded = dataDir.resolve("staging/import-0badc0de/part-0.parquet");
        java.nio.file.Files.createDirectories(downloaded.getParent());
        java.nio.file.Files.writeString(downloaded, "partial");

        new Lake(engine, null, LakeSettings.of(dataDir), null, null);

        assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__duckbridge%'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM keep_me")).isEqualTo(1);
        assertThat(downloaded.getParent()).doesNotExist();
    }

    @Test
    void writesStandardParquetLogicalTypes() {
        lake.export(ExportRequest.ofTable("all_types", "file:std"), JobContext.none());
        String glob = dataDir.resolve("exports/std").toString() + "/v=*/*.parquet";
        List<String> types = strings("SELECT name || ':' || coalesce(logical_type, converted_type, type)"
                + " FROM parquet_schema('" + glob + "') WHERE name IN ('c_ts', 'c_tstz', 'c_dec18', 'c_uuid')"
                + " ORDER BY name");
        assertThat(types).hasSize(4);
        assertThat(types.get(0)).startsWith("c_dec18:").contains("Decimal");
        assertThat(types.get(1))
                .startsWith("c_ts:")
                .contains("isAdjustedToUTC=0")
                .contains("MICROS");
        assertThat(types.get(2))
                .startsWith("c_tstz:")
                .contains("isAdjustedToUTC=1")
                .contains("MICROS");
        assertThat(types.get(3)).startsWith("c_uuid:").contains("UUID");
    }

    @Test
    void publishesAtomicallyWithManifestSuccessAndPointer() throws Exception {
        ExportResult first = lake.export(ExportRequest.ofTable("all_types", "file:orders"), JobContext.none());
        Path root = dataDir.resolve("exports/orders");
        assertThat(root.resolve("_latest.json")).exists();
        Path version = root.resolve(first.version());
        assertThat(version.resolve("_manifest.json")).exists();
        assertThat(version.resolve("_SUCCESS")).exists();
        String manifest = Files.readString(version.resolve("_manifest.json"));
        assertThat(manifest).contains("\"sha256\"", "\"rows\" : 3", "\"duckdbVersion\"", "\"c_tstz\"");

        ExportResult second = lake.export(ExportRequest.ofTable("all_types", "file:orders"), JobContext.none());
        ExportResult third = lake.export(ExportRequest.ofTable("all_types", "file:orders"), JobContext.none());
        // the current and the one it replaced stay; older versions go
        try (Stream<Path> dirs = Files.list(root)) {
            assertThat(dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("v=")))
                    .containsExactlyInAnyOrder(second.version(), third.version());
        }
        assertThat(dataDir.resolve("staging")).isEmptyDirectory();

        lake.export(ExportRequest.ofTable("all_types", "file:orders").withMode(ExportMode.APPEND), JobContext.none());
        lake.importParquet(ImportRequest.of("file:orders", "appended", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM appended")).isEqualTo(6);

        assertThatThrownBy(() -> lake.export(
                        ExportRequest.ofTable("all_types", "file:orders").withMode(ExportMode.ERROR),
                        JobContext.none()))
                .isInstanceOf(DuckbridgeException.class)
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.CONFLICT);
    }

    @Test
    void aPartitionedExportSyncsEachOfItsDirectoriesOnceBeforeItsManifest() throws Exception {
        // 6 partition directories of about 2.5 MB each, rolled over into files of 1 MiB
        engine.executeOnLane("CREATE TABLE wide AS SELECT i AS id, (['eu', 'us'])[i % 2 + 1] AS region,"
                + " i % 3 AS shard, md5(i::VARCHAR) || md5((-i)::VARCHAR) AS payload FROM range(200000) t(i)");
        var disk = new RecordingDiskSync();
        LakeSettings settings = LakeSettings.of(dataDir);
        var exporter = new ParquetExporter(engine, settings, new ObjectStores(settings, null, disk), null);

        ExportResult result = exporter.export(
                new ExportRequest(
                        "wide",
                        null,
                        "file:wide",
                        List.of("region", "shard"),
                        List.of(),
                        "uncompressed",
                        null,
                        5000,
                        1024L * 1024,
                        null),
                JobContext.none());

        Path exports = dataDir.resolve("exports").toAbsolutePath();
        Path root = exports.resolve("wide");
        List<Path> files =
                result.files().stream().map(f -> Path.of(URI.create(f))).toList();
        Set<Path> partitions = files.stream().map(Path::getParent).collect(Collectors.toSet());
        assertThat(partitions).hasSize(6);
        assertThat(files.stream().collect(Collectors.groupingBy(Path::getParent, Collectors.counting())))
                .allSatisfy((partition, count) -> assertThat(count).isGreaterThan(1));
        // every directory the manifest's files are in, and each one above it, was synced once before the manifest
        Set<Path> chains = new HashSet<>();
        for (Path partition : partitions) {
            for (Path d = partition; d.startsWith(exports); d = d.getParent()) {
                chains.add(d);
            }
        }
        List<Path> beforeManifest = disk.directoriesBeforeFile(ExportManifest.MANIFEST);
        assertThat(beforeManifest).containsExactlyInAnyOrderElementsOf(chains);
        assertThat(beforeManifest)
                .isSortedAccordingTo(Comparator.comparingInt(Path::getNameCount).reversed());
        // and after it only the directories of the manifest, _SUCCESS and the pointer again, never a partition's
        assertThat(partitions).allSatisfy(p -> assertThat(disk.timesSynced(p)).isEqualTo(1));
        assertThat(disk.timesSynced(root.resolve(result.version()))).isEqualTo(3);
    }

    @Test
    void anOverwriteReplacesAPointerItCannotReadAndTheOtherModesSayHowToRepairIt() throws Exception {
        ExportResult first = lake.export(ExportRequest.ofTable("all_types", "file:pv"), JobContext.none());
        Path pointer = dataDir.resolve("exports/pv/_latest.json");
        Files.writeString(pointer, "{garbage");

        assertThatThrownBy(() -> lake.export(
                        ExportRequest.ofTable("all_types", "file:pv").withMode(ExportMode.APPEND), JobContext.none()))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.IO);
                    assertThat(e.getMessage())
                            .contains(pointer.toUri().toString(), "is not a Duckbridge pointer", "mode overwrite")
                            .doesNotContain("Unexpected character", "Source", "byte offset");
                });
        assertThatThrownBy(() -> lake.export(
                        ExportRequest.ofTable("all_types", "file:pv").withMode(ExportMode.ERROR), JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONFLICT));
        assertThatThrownBy(() ->
                        lake.importParquet(ImportRequest.of("file:pv", "pv", ImportMode.CREATE), JobContext.none()))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.IO);
                    assertThat(e.getMessage())
                            .contains(pointer.toUri().toString(), "version directories")
                            .doesNotContain("Unexpected character", "Source");
                });

        ExportResult second = lake.export(ExportRequest.ofTable("all_types", "file:pv"), JobContext.none());
        assertThat(Files.readString(pointer)).contains(second.version());
        // the version the damaged pointer most likely named stays, for readers still on it
        assertThat(dataDir.resolve("exports/pv/" + first.version() + "/_manifest.json"))
                .exists();
        lake.importParquet(ImportRequest.of("file:pv", "pv", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM pv")).isEqualTo(3);
    }

    @Test
    void removesWhatAnInterruptedExportLeftOnTheNextRun() throws Exception {
        ExportResult first = lake.export(ExportRequest.ofTable("all_types", "file:crash"), JobContext.none());
        Path root = dataDir.resolve("exports/crash");
        Path orphan = Files.createDirectories(root.resolve("v=20000101T000000000Z-deadbeef"));
        Files.writeString(orphan.resolve("data_0.parquet"), "half written");
        Path staleStaging = Files.createDirectories(dataDir.resolve("staging/export-stale"));
        Files.writeString(staleStaging.resolve("x.parquet"), "x");

        lake.export(ExportRequest.ofTable("all_types", "file:crash"), JobContext.none());
        assertThat(orphan).doesNotExist();
        assertThat(staleStaging).doesNotExist();
        assertThat(root.resolve(first.version()).resolve("_manifest.json")).exists();
    }

    @Test
    void failsCleanlyWhenTheStagingLimitIsExceeded() throws Exception {
        lake.export(ExportRequest.ofTable("all_types", "file:full"), JobContext.none());
        byte[] pointer = Files.readAllBytes(dataDir.resolve("exports/full/_latest.json"));
        Lake tiny = new Lake(engine, null, LakeSettings.of(dataDir).withMaxStagingBytes(100L), null, null);
        assertThatThrownBy(() -> tiny.export(ExportRequest.ofTable("all_types", "file:full"), JobContext.none()))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("staging")
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.IO);
        assertThat(Files.readAllBytes(dataDir.resolve("exports/full/_latest.json")))
                .isEqualTo(pointer);
        assertThat(dataDir.resolve("staging")).isEmptyDirectory();
    }

    @Test
    void stopsTheCopyOnceItOutgrowsTheStagingLimitWhileDuckDbIsStillWriting() throws Exception {
        // rows computed during the COPY (three md5 rounds each) make it take about a second, so the watch, which
        // looks every 100 ms, meets it half-written however fast the disk is
        engine.executeOnLane("CREATE VIEW wide AS SELECT i, md5(md5(md5(i::VARCHAR))) || md5(i::VARCHAR) AS payload"
                + " FROM range(2000000) t(i)");
        ExportRequest wide =
                new ExportRequest("wide", null, "file:wide", null, null, "uncompressed", null, null, null, null);
        ExportResult whole = lake.export(wide, JobContext.none());
        byte[] pointer = Files.readAllBytes(dataDir.resolve("exports/wide/_latest.json"));
        long limit = whole.bytes() / 4;

        Lake limited = new Lake(engine, null, LakeSettings.of(dataDir).withMaxStagingBytes(limit), null, null);
        assertThatThrownBy(() -> limited.export(wide, JobContext.none()))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.IO);
                    assertThat(e.getMessage()).contains("duckbridge.lake.max-staging-size", "it was stopped");
                    // stopped by the watch during the COPY: far less than the whole file was staged
                    java.util.regex.Matcher staged = java.util.regex.Pattern.compile("staged (\\d+) bytes")
                            .matcher(e.getMessage());
                    assertThat(staged.find()).isTrue();
                    assertThat(Long.parseLong(staged.group(1)))
                            .isGreaterThan(limit)
                            .isLessThan(whole.bytes());
                });
        assertThat(Files.readAllBytes(dataDir.resolve("exports/wide/_latest.json")))
                .isEqualTo(pointer);
        assertThat(dataDir.resolve("staging")).isEmptyDirectory();
    }

    @Test
    void replacesAndAppendsThroughTheWriterLane() {
        lake.export(ExportRequest.ofTable("all_types", "file:r"), JobContext.none());
        lake.importParquet(ImportRequest.of("file:r/**/*.parquet", "target", ImportMode.CREATE), JobContext.none());
        lake.importParquet(ImportRequest.of("file:r", "target", ImportMode.APPEND), JobContext.none());
        assertThat(count("SELECT count(*) FROM target")).isEqualTo(6);
        lake.importParquet(ImportRequest.of("file:r", "target", ImportMode.REPLACE), JobContext.none());
        assertThat(count("SELECT count(*) FROM target")).isEqualTo(3);
        assertThatThrownBy(() ->
                        lake.importParquet(ImportRequest.of("file:r", "target", ImportMode.CREATE), JobContext.none()))
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.CONFLICT);
        assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__duckbridge_import_%'"))
                .isZero();
    }

    @Test
    void anImportJobShowsAllItsWorkDoneOnlyOnceItHasSucceeded() throws Exception {
        engine.executeOnLane("CREATE TABLE many AS SELECT i AS id, md5(i::VARCHAR) AS h FROM range(200000) t(i)");
        lake.export(ExportRequest.ofTable("many", "file:many"), JobContext.none());
        try (JobRunner jobs = new JobRunner(1, 10)) {
            Lake jobLake = new Lake(engine, jobs, LakeSettings.of(dataDir), null, null);
            // the writer lane is held: the import gets as far as its swap, its files read and its rows loaded,
            // where it read 100% before while the swap was still to come
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Object> lane = engine.writeAsync(session -> {
                if (!release.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the writer lane");
                }
                return null;
            });
            Job imported = jobLake.submitImport(ImportRequest.of("file:many", "many_copy", ImportMode.CREATE));
            List<JobSnapshot> polled = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (count("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__duckbridge_import_%'") == 0
                    && !imported.completion().isDone()
                    && System.nanoTime() < deadline) {
                polled.add(imported.snapshot()); // as a client polling GET /api/v1/jobs/{id} sees it
                LockSupport.parkNanos(1_000_000L); // poll interval
            }
            JobSnapshot atTheSwap = imported.snapshot();
            release.countDown();
            lane.get(30, TimeUnit.SECONDS);
            JobSnapshot done = imported.completion().get(30, TimeUnit.SECONDS);

            assertThat(atTheSwap.status()).isEqualTo(JobStatus.RUNNING);
            assertThat(atTheSwap.total()).isPositive();
            assertThat(atTheSwap.done()).isLessThan(atTheSwap.total());
            assertThat(polled)
                    .filteredOn(s -> s.status() == JobStatus.RUNNING && s.total() >= 0)
                    .allSatisfy(s -> assertThat(s.done()).isLessThan(s.total()));
            assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(done.done()).isEqualTo(done.total()).isPositive();
            assertThat(count("SELECT count(*) FROM many_copy")).isEqualTo(200000);
        }
    }

    @Test
    void anExportJobShowsAllItsWorkDoneOnlyOnceItHasSucceeded() throws Exception {
        engine.executeOnLane(
                "CREATE TABLE wide AS SELECT i AS id, md5(i::VARCHAR) AS h, random() AS r FROM range(1000000) t(i)");
        try (JobRunner jobs = new JobRunner(1, 10)) {
            Lake jobLake = new Lake(engine, jobs, LakeSettings.of(dataDir), null, null);
            Job exported = jobLake.submitExport(ExportRequest.ofTable("wide", "file:wide"));
            List<JobSnapshot> polled = new ArrayList<>();
            while (!exported.completion().isDone()) {
                polled.add(exported.snapshot()); // as a client polling GET /api/v1/jobs/{id} sees it
                LockSupport.parkNanos(200_000L);
            }
            JobSnapshot done = exported.completion().get(30, TimeUnit.SECONDS);

            assertThat(polled)
                    .filteredOn(s -> s.status() == JobStatus.RUNNING && s.total() > 0)
                    .isNotEmpty()
                    .allSatisfy(s -> assertThat(s.done()).isLessThan(s.total()));
            assertThat(done.status()).as(String.valueOf(done.error())).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(done.done()).isEqualTo(done.total()).isPositive();
        }
    }

    @Test
    void importsAnExportWithoutFilesAsNoRowsOfItsSchema() {
        engine.executeOnLane("CREATE TABLE nothing AS SELECT * FROM all_types WHERE false");
        ExportResult exported = lake.export(
                new ExportRequest(
                        "nothing", null, "file:nothing", List.of("region"), null, null, null, null, null, null),
                JobContext.none());
        assertThat(exported.files()).isEmpty();

        lake.importParquet(ImportRequest.of("file:nothing", "lake.nothing", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM lake.nothing")).isZero();
        assertThat(strings("SELECT column_name || ' ' || data_type FROM information_schema.columns"
                        + " WHERE table_schema = 'lake' AND table_name = 'nothing' ORDER BY ordinal_position"))
                .isEqualTo(strings("SELECT column_name || ' ' || data_type FROM information_schema.columns"
                        + " WHERE table_schema = 'main' AND table_name = 'all_types' ORDER BY ordinal_position"));

        // a replace from the lake empties the table instead of keeping its old rows; an append adds none
        lake.importParquet(ImportRequest.of("file:nothing", "copy", ImportMode.CREATE), JobContext.none());
        engine.executeOnLane("INSERT INTO copy SELECT * FROM all_types");
        lake.importParquet(ImportRequest.of("file:nothing", "copy", ImportMode.APPEND), JobContext.none());
        assertThat(count("SELECT count(*) FROM copy")).isEqualTo(3);
        ImportResult replaced = lake.importParquet(
                ImportRequest.of("file:nothing/" + exported.version(), "copy", ImportMode.REPLACE), JobContext.none());
        assertThat(replaced.rows()).isZero();
        assertThat(count("SELECT count(*) FROM copy")).isZero();

        // a glob that matches no file of an export with files is still nothing to import
        lake.export(ExportRequest.ofTable("all_types", "file:some"), JobContext.none());
        assertThatThrownBy(() -> lake.importParquet(
                        ImportRequest.of("file:some/**/nomatch*.parquet", "none", ImportMode.CREATE),
                        JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
    }

    @Test
    void importsASingleFileAndCreatesNothingAtTheSource() throws Exception {
        ExportResult exported = lake.export(ExportRequest.ofTable("all_types", "file:whole"), JobContext.none());
        Path single = Files.createDirectories(dataDir.resolve("exports/ext")).resolve("single.parquet");
        Files.copy(Path.of(java.net.URI.create(exported.files().get(0))), single);

        ImportResult imported = lake.importParquet(
                ImportRequest.of("file:ext/single.parquet", "single", ImportMode.CREATE), JobContext.none());
        assertThat(imported.rows()).isEqualTo(3);
        assertThat(imported.files()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM single")).isEqualTo(3);
        // a file of an export, named alone, is imported as a plain Parquet file
        lake.importParquet(
                ImportRequest.of(
                        "file:whole/" + exported.version() + "/data_0.parquet", "single_of_export", ImportMode.CREATE),
                JobContext.none());
        assertThat(count("SELECT count(*) FROM single_of_export")).isEqualTo(3);
        try (Stream<Path> ext = Files.list(dataDir.resolve("exports/ext"))) {
            assertThat(ext).containsExactly(single);
        }

        assertThatThrownBy(() -> lake.importParquet(
                        ImportRequest.of("file:nonexist/sub/deeper", "missing", ImportMode.CREATE), JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
        assertThat(dataDir.resolve("exports/nonexist")).doesNotExist();
    }

    @Test
    void refusesToImportFilesThatDoNotMatchTheManifest() throws Exception {
        ExportResult exported = lake.export(ExportRequest.ofTable("all_types", "file:bad"), JobContext.none());
        Path file = Path.of(java.net.URI.create(exported.files().get(0)));
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(() ->
                        lake.importParquet(ImportRequest.of("file:bad", "bad", ImportMode.CREATE), JobContext.none()))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("does not match the manifest")
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.IO);
        assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'bad'"))
                .isZero();
    }

    @Test
    void refusesAManifestThatNamesAFileOutsideTheExport() throws Exception {
        // found by an acceptance tester: a manifest entry <version>/../../../outside/x.parquet was hashed, linked
        // and imported from outside the exports directory
        lake.export(ExportRequest.ofTable("all_types", "file:trav"), JobContext.none());
        Path manifestFile;
        try (var found = Files.walk(dataDir.resolve("exports/trav"))) {
            manifestFile = found.filter(p -> p.getFileName().toString().equals("_manifest.json"))
                    .findFirst()
                    .orElseThrow();
        }
        var json = tools.jackson.databind.json.JsonMapper.shared();
        var manifest = (tools.jackson.databind.node.ObjectNode) json.readTree(manifestFile.toFile());
        var file =
                (tools.jackson.databind.node.ObjectNode) manifest.path("files").get(0);
        file.put("path", file.path("path").asString() + "/../../../../outside/x.parquet");
        Files.writeString(manifestFile, json.writeValueAsString(manifest));

        assertThatThrownBy(() ->
                        lake.importParquet(ImportRequest.of("file:trav", "trav", ImportMode.CREATE), JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                .hasMessageContaining("not inside the export");
        assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'trav'"))
                .isZero();
    }

    @Test
    void refusesAManifestFileWithAnEmptySegmentNamingTheVersionsManifest() throws Exception {
        // <version>//data_0.parquet is another S3 key than the file, whose request some servers refused as a bad
        // signature (a misleading PERMISSION); on disk it is the same file
        ExportResult exported = lake.export(ExportRequest.ofTable("all_types", "file:empty-seg"), JobContext.none());
        Path manifestFile = dataDir.resolve("exports/empty-seg/" + exported.version() + "/_manifest.json");
        var json = tools.jackson.databind.json.JsonMapper.shared();
        var manifest = (tools.jackson.databind.node.ObjectNode) json.readTree(manifestFile.toFile());
        var file =
                (tools.jackson.databind.node.ObjectNode) manifest.path("files").get(0);
        file.put("path", file.path("path").asString().replace("/", "//"));
        Files.writeString(manifestFile, json.writeValueAsString(manifest));

        for (String source : List.of("file:empty-seg", "file:empty-seg/" + exported.version())) {
            assertThatThrownBy(() -> lake.importParquet(
                            ImportRequest.of(source, "empty_seg", ImportMode.CREATE), JobContext.none()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                    .hasMessageContaining("not inside the export")
                    .hasMessageContaining(manifestFile.toUri().toString());
        }
        assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'empty_seg'"))
                .isZero();
    }

    @Test
    void aDamagedManifestIsNamedWithItsRepairAndAnOverwriteReplacesIt() throws Exception {
        // found by an acceptance tester: the message was the JSON parser's own text
        ExportResult exported = lake.export(ExportRequest.ofTable("all_types", "file:dmg"), JobContext.none());
        Path manifestFile = dataDir.resolve("exports/dmg/" + exported.version() + "/_manifest.json");
        String whole = Files.readString(manifestFile);
        for (String damaged : List.of(whole.substring(0, whole.length() / 2), "{\"files\": 5}", "[]")) {
            Files.writeString(manifestFile, damaged);
            assertThatThrownBy(() -> lake.importParquet(
                            ImportRequest.of("file:dmg", "dmg", ImportMode.CREATE), JobContext.none()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.IO))
                    .hasMessageContaining("the manifest " + manifestFile.toUri() + " is damaged: it is not")
                    .hasMessageContaining("with mode overwrite")
                    .hasMessageNotContainingAny("jackson", "ExportManifest", "Cannot construct", "Unexpected");
        }
        assertThat(count("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'dmg'"))
                .isZero();
        assertThatThrownBy(() -> lake.export(
                        ExportRequest.ofTable("all_types", "file:dmg").withMode(ExportMode.APPEND), JobContext.none()))
                .hasMessageContaining("is damaged");

        lake.export(ExportRequest.ofTable("all_types", "file:dmg").withMode(ExportMode.OVERWRITE), JobContext.none());
        lake.importParquet(ImportRequest.of("file:dmg", "dmg", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM dmg")).isEqualTo(count("SELECT count(*) FROM all_types"));
    }

    @Test
    void aTableWithADotInItsNameIsNamedAsEverywhereInTheApi() {
        // found by an acceptance tester: exports took public.a.b and refused public."a.b", the spelling the tables
        // and sync endpoints want (and their errors recommend)
        engine.executeOnLane("CREATE SCHEMA IF NOT EXISTS public");
        engine.executeOnLane("CREATE TABLE public.\"a.b\" AS SELECT 1 AS x UNION ALL SELECT 2");
        ExportResult exported = lake.export(ExportRequest.ofTable("public.\"a.b\"", "file:dotted"), JobContext.none());
        assertThat(exported.rows()).isEqualTo(2);
        lake.importParquet(ImportRequest.of("file:dotted", "public.\"c.d\"", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT sum(x) FROM public.\"c.d\"")).isEqualTo(3);

        for (String unquoted : List.of("public.a.b", "x.public.a")) {
            assertThatThrownBy(() -> lake.export(ExportRequest.ofTable(unquoted, "file:dotted2"), JobContext.none()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                    .hasMessageContaining("quote parts that contain dots");
            assertThatThrownBy(() -> ImportRequest.of("file:dotted", unquoted, ImportMode.CREATE))
                    .hasMessageContaining("quote parts that contain dots");
        }
    }

    @Test
    void anExportReportsTheCopysProgressInPercentThenPublishingInBytes() {
        // an export's job used to show no progress at all until its COPY had finished. On an engine whose
        // configuration is locked, as the server's is (a first version set the progress option per COPY, which
        // the lock refuses: every export failed)
        engine.close();
        engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString())
                        .withSandbox(io.duckbridge.core.engine.EngineSandbox.of(dataDir)));
        lake = new Lake(engine, null, LakeSettings.of(dataDir), null, null);
        engine.executeOnLane("CREATE VIEW slow AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS payload"
                + " FROM range(4000000) t(i)");
        List<String> states = java.util.Collections.synchronizedList(new ArrayList<>());
        JobContext recording = new JobContext() {
            String unit;
            long total;
            long done;

            @Override
            public String jobId() {
                return "progress";
            }

            @Override
            public synchronized void total(long t, String u) {
                total = t;
                unit = u;
                states.add(unit + " " + done + "/" + total);
            }

            @Override
            public synchronized void phase(long t, String u) {
                done = 0;
                total(t, u);
            }

            @Override
            public synchronized void advance(long delta) {
                done += delta;
                states.add(unit + " " + done + "/" + total);
            }

            @Override
            public boolean cancelRequested() {
                return false;
            }

            @Override
            public void checkCancelled() {}
        };
        ExportResult r = lake.export(ExportRequest.ofTable("slow", "file:progress"), recording);

        List<String> copying =
                states.stream().filter(s -> s.startsWith("percent ")).toList();
        assertThat(copying.getFirst()).isEqualTo("percent 0/100");
        List<Integer> percents = copying.stream()
                .map(s -> Integer.valueOf(s.substring("percent ".length(), s.indexOf('/'))))
                .toList();
        assertThat(percents).isSorted().allSatisfy(p -> assertThat(p).isBetween(0, 100));
        assertThat(percents.getLast()).as(states.toString()).isPositive();
        assertThat(states.getLast()).isEqualTo("bytes " + r.bytes() + "/" + r.bytes());
        assertThat(states.indexOf("bytes 0/" + r.bytes())).isGreaterThan(states.lastIndexOf(copying.getLast()));
    }

    @Test
    void appendingWithAnotherPartitioningIsAConflict() {
        ExportRequest partitioned =
                new ExportRequest("all_types", null, "file:parts", List.of("id"), null, null, null, null, null, null);
        lake.export(partitioned, JobContext.none());
        ExportRequest flat = new ExportRequest(
                "all_types", null, "file:parts", null, null, null, null, null, null, ExportMode.APPEND);
        assertThatThrownBy(() -> lake.export(flat, JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONFLICT))
                .hasMessageContaining("partitioned by");
    }

    @Test
    void anAppendWithAnotherSchemaIsRefusedBeforeAnythingIsWritten() throws Exception {
        engine.executeOnLane("CREATE TABLE narrow AS SELECT 0 AS rep");
        engine.executeOnLane("CREATE TABLE wider AS SELECT range AS rep FROM range(100000)");
        ExportResult first = lake.export(ExportRequest.ofTable("narrow", "file:rep"), JobContext.none());
        ExportRequest wider = ExportRequest.ofTable("wider", "file:rep").withMode(ExportMode.APPEND);
        assertThatThrownBy(() -> lake.export(wider, JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONFLICT))
                .hasMessageContaining("schema");
        // the refused append wrote no version directory beside the published one
        try (Stream<Path> entries = Files.list(dataDir.resolve("exports/rep"))) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("_latest.json", first.version());
        }
        assertThat(dataDir.resolve("staging")).isEmptyDirectory();
    }

    @Test
    void aTargetInsideAnotherExportIsAConflict() throws Exception {
        // found by an acceptance tester: an export into <export>/<version>/x doubled what readers of the outer saw
        lake.export(ExportRequest.ofTable("all_types", "file:outer/t"), JobContext.none());
        String version;
        try (var found = Files.list(dataDir.resolve("exports/outer/t"))) {
            version = found.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .findFirst()
                    .orElseThrow();
        }
        for (String target : List.of("file:outer/t/inner", "file:outer/t/" + version + "/x")) {
            assertThatThrownBy(() -> lake.export(ExportRequest.ofTable("all_types", target), JobContext.none()))
                    .as(target)
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CONFLICT))
                    .hasMessageContaining("inside the export");
        }
        // next to it is fine
        assertThat(lake.export(ExportRequest.ofTable("all_types", "file:outer/u"), JobContext.none())
                        .rows())
                .isEqualTo(3);
    }

    @Test
    void hugeintRoundTripsExactly() {
        // found by an acceptance tester: HUGEINT (sum() of a BIGINT) was written as DOUBLE, 502835905595115240 came
        // back as ...264
        engine.executeOnLane("CREATE TABLE huge AS SELECT 502835905595115241::HUGEINT AS h,"
                + " [9007199254740993::HUGEINT] AS l, 18446744073709551615::UHUGEINT AS u");
        lake.export(ExportRequest.ofTable("huge", "file:huge"), JobContext.none());
        lake.importParquet(ImportRequest.of("file:huge", "huge_copy", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM (SELECT * FROM huge EXCEPT SELECT * FROM huge_copy)"))
                .isZero();
        assertThat(count("SELECT count(*) FROM huge_copy WHERE h = 502835905595115241"))
                .isEqualTo(1);
    }

    @Test
    void refusesToImportIntoDuckbridgesOwnTables() {
        // found by an acceptance tester: mode replace into duckbridge.sync_state broke GET /api/v1/tables and sync
        for (String table : List.of(
                "duckbridge.sync_state", "DuckBridge.cdc_state", "__duckbridge_staging_1", "duckbridge_staging.x")) {
            assertThatThrownBy(() -> ImportRequest.of("file:whatever", table, ImportMode.REPLACE))
                    .as(table)
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST));
        }
    }

    @Test
    void exportsAReadOnlyQueryCheckedByTheQueryGuard() {
        Lake guarded = new Lake(
                engine,
                null,
                LakeSettings.of(dataDir),
                null,
                ReadOnlyCheck.guardedBy(
                        new QueryGuard(List.of(dataDir.resolve("exports")), dataDir.resolve("analytics.duckdb")),
                        engine));
        ExportRequest query = new ExportRequest(
                null,
                "SELECT id, c_text FROM all_types WHERE id > 1;",
                "file:q",
                null,
                List.of("id"),
                null,
                null,
                null,
                null,
                null);
        assertThat(guarded.export(query, JobContext.none()).rows()).isEqualTo(2);
        ExportRequest delete =
                new ExportRequest(null, "DELETE FROM all_types", "file:q2", null, null, null, null, null, null, null);
        assertThatThrownBy(() -> guarded.export(delete, JobContext.none()))
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.READ_ONLY_VIOLATION);
        assertThatThrownBy(() -> lake.export(query, JobContext.none()))
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.INVALID_REQUEST);
        assertThat(count("SELECT count(*) FROM all_types")).isEqualTo(3);
    }

    @Test
    void rejectsTargetsOutsideTheDataDirectory() {
        assertThatThrownBy(() -> ExportRequest.ofTable("all_types", "file:/etc"))
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.INVALID_REQUEST);
        assertThatThrownBy(() -> ExportRequest.ofTable("all_types", "file:../../x"))
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.INVALID_REQUEST);
        // no shell expands ~: it would have made a directory named ~ under exports/
        assertThatThrownBy(() -> ExportRequest.ofTable("all_types", "file:~/x"))
                .hasMessageContaining("not the home directory")
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.INVALID_REQUEST);
        assertThatThrownBy(() -> lake.export(ExportRequest.ofTable("all_types", "s3://b/p"), JobContext.none()))
                .extracting(e -> ((DuckbridgeException) e).errorClass())
                .isEqualTo(ErrorClass.INVALID_REQUEST);
    }

    @Test
    void aFailedImportIntoANewSchemaLeavesNoSchemaBehind() throws Exception {
        java.nio.file.Files.createDirectories(dataDir.resolve("exports/broken"));
        java.nio.file.Files.writeString(dataDir.resolve("exports/broken/data_0.parquet"), "not parquet at all");
        assertThatThrownBy(() -> lake.importParquet(
                        ImportRequest.of("file:broken/*.parquet", "fresh.t", ImportMode.CREATE), JobContext.none()))
                .isInstanceOf(DuckbridgeException.class);
        assertThat(count("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fresh'"))
                .isZero();
    }

    @Test
    void aPartitionedExportReadWithoutHivePartitioningIsRefusedNamingTheFix() {
        engine.executeOnLane("CREATE TABLE parted AS SELECT i AS id, i % 2 AS p FROM range(4) t(i)");
        lake.export(
                new ExportRequest("parted", null, "file:parted", List.of("p"), null, null, null, null, null, null),
                JobContext.none());
        assertThatThrownBy(() -> lake.importParquet(
                        new ImportRequest("file:parted", "parted_copy", ImportMode.CREATE, false, null),
                        JobContext.none()))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("partitioned by [p]").contains("\"hivePartitioning\": true");
                });
        lake.importParquet(ImportRequest.of("file:parted", "parted_copy", ImportMode.CREATE), JobContext.none());
        assertThat(count("SELECT count(*) FROM parted_copy WHERE p = 1")).isEqualTo(2);
    }

    @Test
    void importsAndExportsAfterAFailedImportWork() throws Exception {
        java.nio.file.Files.createDirectories(dataDir.resolve("exports/garbage"));
        java.nio.file.Files.writeString(dataDir.resolve("exports/garbage/x.parquet"), "not parquet at all");
        assertThatThrownBy(() -> lake.importParquet(
                        ImportRequest.of("file:garbage/*.parquet", "garbage", ImportMode.CREATE), JobContext.none()))
                .isInstanceOf(DuckbridgeException.class);
        lake.export(ExportRequest.ofTable("all_types", "file:after"), JobContext.none());
        // more imports than the engine has readers: each draws one, the one the failure used included
        for (int i = 0; i < 6; i++) {
            lake.importParquet(ImportRequest.of("file:after", "after_" + i, ImportMode.CREATE), JobContext.none());
            assertThat(count("SELECT count(*) FROM after_" + i)).isEqualTo(count("SELECT count(*) FROM all_types"));
        }
    }

    @Test
    void aTargetThroughALinkOutOfTheExportsDirectoryIsRefused(@TempDir Path elsewhere) throws Exception {
        java.nio.file.Files.createDirectories(dataDir.resolve("exports"));
        java.nio.file.Files.createSymbolicLink(dataDir.resolve("exports/out"), elsewhere);
        assertThatThrownBy(() -> lake.export(ExportRequest.ofTable("all_types", "file:out/copy"), JobContext.none()))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("symbolic link");
                });
        try (var written = java.nio.file.Files.list(elsewhere)) {
            assertThat(written).isEmpty();
        }
        assertThatThrownBy(() -> lake.importParquet(
                        ImportRequest.of("file:out/copy", "copied", ImportMode.CREATE), JobContext.none()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST));
    }
}
