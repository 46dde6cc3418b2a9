package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.testing.TestingS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code export} and {@code import} on the database file with no server holding it, as API.md's CLI section
 * promises: a local and an S3 round trip, and the same guard on an exported query as over HTTP.
 */
@Timeout(120)
class LakeCommandsIT {
    @TempDir
    Path dataDir;

    @BeforeEach
    void createTable() {
        String file = dataDir.resolve("analytics.duckdb").toString();
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file))) {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute("CREATE TABLE sales AS SELECT i AS id, ['eu', 'us'][i % 2 + 1] AS region,"
                            + " (i * 1.25)::DECIMAL(10,2) AS amount FROM range(10000) t(i)");
                }
                return null;
            });
        }
    }

    @Test
    void exportsAndImportsLocalParquetWithoutAServer() throws Exception {
        CliRun export = CliRun.of(
                "export",
                "--table",
                "sales",
                "--target",
                "file:lake/sales",
                "--partition-by",
                "region",
                "--order-by",
                "id",
                "--data-dir",
                dataDir.toString());
        assertThat(export.exit()).as(export.err()).isZero();
        var result = JsonMapper.shared().readTree(export.out());
        assertThat(result.path("rows").asLong()).isEqualTo(10_000);
        Path exports = dataDir.resolve("exports/lake/sales");
        try (Stream<Path> files = Files.walk(exports)) {
            assertThat(files.map(p -> exports.relativize(p).toString()))
                    .anyMatch(p -> p.matches("v=[^/]+/region=eu/.*\\.parquet"))
                    .anyMatch(p -> p.matches("v=[^/]+/region=us/.*\\.parquet"))
                    .anyMatch(p -> p.matches("v=[^/]+/_manifest\\.json"));
        }

        CliRun imported = CliRun.of(
                "import", "--source", "file:lake/sales", "--table", "sales_copy", "--data-dir", dataDir.toString());
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(JsonMapper.shared()
                        .readTree(imported.out())
                        .path("manifestVerified")
                        .asBoolean())
                .isTrue();

        CliRun compare = CliRun.of(
                "query",
                "SELECT count(*) AS n, sum(amount) AS total, count(DISTINCT region) AS regions FROM sales_copy",
                "--format",
                "csv",
                "--data-dir",
                dataDir.toString());
        assertThat(compare.out()).isEqualTo("n,total,regions\n10000,62493750.00,2\n");

        // a query export may read what was published, as the service's default file root allows
        CliRun reexport = CliRun.of(
                "export",
                "--sql",
                "SELECT region, count(*) AS n FROM read_parquet('" + exports + "/**/*.parquet') GROUP BY region",
                "--target",
                "file:lake/by_region",
                "--data-dir",
                dataDir.toString());
        assertThat(reexport.exit()).as(reexport.err()).isZero();
        assertThat(JsonMapper.shared().readTree(reexport.out()).path("rows").asLong())
                .isEqualTo(2);
    }

    @Test
    void refusesToExportAQueryTheGuardRefuses() {
        CliRun export = CliRun.of(
                "export",
                "--sql",
                "SELECT * FROM read_csv('/etc/passwd')",
                "--target",
                "file:lake/passwd",
                "--data-dir",
                dataDir.toString());
        assertThat(export.exit()).isEqualTo(1);
        assertThat(export.err()).startsWith("error: READ_ONLY_VIOLATION: ");
        assertThat(dataDir.resolve("exports/lake/passwd")).doesNotExist();
    }

    @Test
    void exportsToS3AndImportsBack() {
        try (TestingS3 s3 = TestingS3.start()) {
            s3.createBucket("lake");
            // credentials come from the AWS default chain, as for the service
            System.setProperty("aws.accessKeyId", s3.accessKey());
            System.setProperty("aws.secretAccessKey", s3.secretKey());
            try {
                String[] s3Options = {
                    "--s3-endpoint", s3.endpoint().toString(), "--s3-region", s3.region(), "--s3-path-style"
                };
                CliRun export = CliRun.of(concat(
                        new String[] {
                            "export", "--sql", "SELECT * FROM sales WHERE region = 'eu'", "--target", "s3://lake/eu"
                        },
                        s3Options,
                        new String[] {"--data-dir", dataDir.toString()}));
                assertThat(export.exit()).as(export.err()).isZero();
                assertThat(s3.exists("lake", "eu/_latest.json")).isTrue();

                CliRun imported = CliRun.of(concat(
                        new String[] {"import", "--source", "s3://lake/eu", "--table", "eu_sales"},
                        s3Options,
                        new String[] {"--data-dir", dataDir.toString()}));
                assertThat(imported.exit()).as(imported.err()).isZero();
                assertThat(CliRun.of(
                                        "query",
                                        "SELECT count(*) AS n FROM eu_sales",
                                        "--format",
                                        "csv",
                                        "--data-dir",
                                        dataDir.toString())
                                .out())
                        .isEqualTo("n\n5000\n");
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
        }
    }

    private static String[] concat(String[]... parts) {
        return Stream.of(parts).flatMap(Stream::of).toArray(String[]::new);
    }
}
