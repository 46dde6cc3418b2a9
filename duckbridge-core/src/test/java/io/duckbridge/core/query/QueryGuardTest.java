package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSandbox;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryGuardTest {
    Path dataDir;

    DuckDbEngine engine;
    QueryRunner runner;

    @BeforeAll
    void open(@TempDir Path dir) throws IOException {
        dataDir = dir;
        Files.createDirectories(dataDir.resolve("exports"));
        Files.createDirectories(dataDir.resolve("backups"));
        // a link inside the file root that leads out of it, to the data directory with the database file
        Files.createSymbolicLink(dataDir.resolve("exports/lnk"), dataDir);
        // and one that stays inside the root, one level up: fx/prod_link/../.. looks like the root but is its parent
        Files.createDirectories(dataDir.resolve("exports/fx"));
        Files.createDirectories(dataDir.resolve("exports/prod"));
        Files.createSymbolicLink(dataDir.resolve("exports/fx/prod_link"), Path.of("../prod"));
        Path db = dataDir.resolve("analytics.duckdb");
        engine = DuckDbEngine.open(EngineSettings.defaults(db.toString())
                .withThreads(2)
                .withReaders(2, 16)
                .withSandbox(EngineSandbox.of(dataDir)));
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE orders AS SELECT range AS id, range % 7 AS customer,"
                        + " (range * 1.5)::DECIMAL(12,2) AS amount, DATE '2024-01-01' + (range % 30)::INT AS day"
                        + " FROM range(1000)");
                st.execute("CREATE TABLE customers AS SELECT range AS id, 'c' || range AS name FROM range(7)");
                st.execute("CREATE SEQUENCE seq");
                st.execute("CREATE SCHEMA IF NOT EXISTS duckbridge");
                st.execute("CREATE TABLE duckbridge.sync_state(name VARCHAR, lsn BIGINT)");
                st.execute("INSERT INTO duckbridge.sync_state VALUES ('orders', 42)");
            }
            return null;
        });
        // the service's own work still writes inside the sandbox
        engine.executeOnLane("COPY orders TO '"
                + dataDir.resolve("exports/orders.parquet").toString().replace("'", "''") + "' (FORMAT parquet)");
        engine.checkpoint();
        runner = new QueryRunner(
                engine,
                new QueryGuard(List.of(dataDir.resolve("exports")), db),
                QueryLimits.defaults(),
                new QueryRecorder(),
                dataDir.resolve("tmp"));
    }

    @AfterAll
    void close() {
        runner.close();
        engine.close();
    }

    static Stream<String> attacks() {
        String secret = "/etc/passwd";
        return Stream.of(
                "DROP TABLE orders",
                "drop table orders",
                "DELETE FROM orders",
                "UPDATE orders SET amount = 0",
                "INSERT INTO orders SELECT * FROM orders",
                "TRUNCATE orders",
                "CREATE TABLE x AS SELECT 1",
                "CREATE TEMP VIEW orders AS SELECT 1 AS id",
                "CREATE MACRO orders() AS TABLE SELECT 1",
                "ALTER TABLE orders ADD COLUMN x INT",
                "SELECT 1; DROP TABLE orders",
                "SELECT 1; SELECT 2",
                "DROP TABLE orders; SELECT 1",
                "/* comment */ DELETE FROM orders",
                "-- comment\nDELETE FROM orders",
                "  SeLeCt 1 ;\n dElEtE fRoM orders",
                "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d",
                "WITH i AS (INSERT INTO customers VALUES (99, 'x') RETURNING *) SELECT * FROM i",
                "WITH u AS (UPDATE orders SET amount = 0 RETURNING *) SELECT 1",
                "WITH c AS (COPY orders TO '/tmp/duckbridge-leak.csv') SELECT 1",
                "WITH a AS (SELECT 1), d AS (DELETE FROM customers RETURNING id) SELECT * FROM a",
                "SELECT * FROM read_csv('" + secret + "')",
                "SELECT * FROM read_csv_auto('" + secret + "')",
                "SELECT * FROM '" + secret + "'",
                "SELECT * FROM 'analytics.duckdb'",
                "SELECT * FROM read_text('" + secret + "')",
                "SELECT * FROM read_blob('ANALYTICS_DB')",
                "SELECT * FROM read_blob('ANALYTICS_DB.wal')",
                "SELECT * FROM read_text('EXPORTS/../analytics.duckdb')",
                "SELECT * FROM glob('/etc/*')",
                "SELECT * FROM glob('EXPORTS/../**')",
                "SELECT * FROM read_parquet('EXPORTS/' || '../x.parquet')",
                "SELECT * FROM read_json('~/.aws/credentials')",
                "SELECT getenv('HOME')",
                "SELECT * FROM duckdb_secrets()",
                "SELECT current_setting('s3_secret_access_key')",
                "SELECT * FROM duckdb_settings()",
                "SELECT * FROM query('DROP TABLE orders')",
                "SELECT * FROM duckbridge_copy_source('0123456789abcdef0123456789abcdef')",
                "SELECT count(*) FROM (SELECT * FROM DuckBridge_Copy_Source('x')) t",
                "SELECT nextval('seq')",
                "SELECT * FROM checkpoint()",
                "ATTACH '/tmp/other.duckdb' AS other",
                "DETACH analytics",
                "USE memory",
                "COPY orders TO '/tmp/orders.csv'",
                "COPY orders FROM '" + secret + "'",
                "EXPORT DATABASE '/tmp/export'",
                "IMPORT DATABASE '/tmp/export'",
                "INSTALL httpfs",
                "LOAD httpfs",
                "SET enable_external_access = true",
                "SET memory_limit = '1TB'",
                "RESET memory_limit",
                "SET VARIABLE x = 1",
                "SET search_path = 'duckbridge'",
                "PRAGMA enable_profiling",
                "PRAGMA memory_limit = '1TB'",
                "CALL checkpoint()",
                "CALL pragma_version()",
                "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
                "CHECKPOINT",
                "FORCE CHECKPOINT",
                "VACUUM",
                "VACUUM ANALYZE orders",
                "BEGIN TRANSACTION",
                "COMMIT",
                "ROLLBACK",
                "EXPLAIN ANALYZE DELETE FROM orders",
                "EXPLAIN DELETE FROM orders",
                "PREPARE p AS DELETE FROM orders",
                "EXECUTE p",
                "DEALLOCATE p",
                "CREATE OR REPLACE TABLE orders AS SELECT 1 AS id",
                "INSERT OR REPLACE INTO customers VALUES (1, 'x')",
                "UPDATE duckbridge.sync_state SET lsn = 0",
                "SELECT json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
                "PIVOT orders ON customer USING count(*)",
                "SELECT * FROM read_csv(['EXPORTS/orders.parquet', '" + secret + "'])",
                // DuckDB 2.0 table functions that run other table functions by name or change shared state
                "SELECT * FROM destroy_external_resource('json_execute_serialized_sql', json_serialize_sql('WITH d AS"
                        + " (DELETE FROM orders WHERE id = 1 RETURNING *) SELECT 1'))",
                "SELECT * FROM destroy_external_resource('checkpoint', 'analytics')",
                "SELECT * FROM register_external_resource_type('x')",
                "SELECT * FROM create_external_resource('x', 'y')",
                // file readers outside the usual names, and a file named through a qualified table name
                "SELECT * FROM read_single_csv_file('" + secret + "')",
                "SELECT * FROM read_single_json_file('" + secret + "')",
                "SELECT * FROM read_duckdb('ANALYTICS_DB')",
                "SELECT * FROM parquet_full_metadata('" + secret + "')",
                "SELECT * FROM \"/etc/hosts\".csv",
                "SELECT * FROM \"EXPORTS/../analytics\".duckdb",
                // settings, paths and other clients' statements
                "SELECT * FROM pg_catalog.pg_settings",
                "FROM duckdb_settings",
                "SELECT * FROM duckdb_prepared_statements()",
                "SELECT * FROM duckdb_databases()",
                "SELECT * FROM duckdb_temporary_files()",
                // round two: table macros over query_table(), options that create tables, SHOW of a setting,
                // plans of hidden SQL, other clients' statements, and a link out of the root
                "SELECT bin FROM histogram('pg_catalog.pg_settings', name || '=' || setting)",
                "SELECT * FROM histogram_values('" + secret + "', x)",
                "SELECT count(*) FROM read_csv('EXPORTS/orders.parquet', store_rejects = true)",
                "SELECT count(*) FROM read_csv('EXPORTS/orders.parquet', rejects_table = 'orders')",
                "SELECT count(*) FROM read_csv('EXPORTS/orders.parquet', rejects_scan := 'customers')",
                "SHOW allowed_directories",
                "SHOW secret_directory",
                "SELECT json_serialize_plan('SELECT current_setting(''secret_directory'')', optimize := true)",
                "SELECT statement FROM pg_catalog.pg_prepared_statements",
                "SELECT * FROM read_blob('EXPORTS/lnk/analytics.duckdb')",
                "SELECT * FROM read_text('EXPORTS/lnk/*')",
                "SELECT * FROM glob('EXPORTS/lnk/**')",
                "SELECT setseed(0.5)",
                // a glob that reaches through the link
                "SELECT * FROM read_blob('EXPORTS/ln*/analytics.duckdb*')",
                "SELECT * FROM glob('EXPORTS/l[n]k/**')",
                "SELECT * FROM 'EXPORTS/ln?/*.duckdb'",
                // .. after a link climbs from the link's target, which a lexical check cannot see
                "SELECT * FROM read_blob('EXPORTS/fx/prod_link/../../analytics.duckdb')",
                "SELECT * FROM read_blob('EXPORTS/fx/prod_link/../../analytics.duckdb.wal')",
                "SELECT * FROM \"EXPORTS/fx/prod_link/../../analytics\".duckdb",
                // an unquoted dotted name ending in a file extension is a file relative to the working directory
                "SELECT * FROM outside.csv",
                "SELECT * FROM 'outside.geojson'",
                "SELECT * FROM outside.geojson",
                "SELECT * FROM 'outside.csv?x=1'");
    }

    @ParameterizedTest
    @MethodSource("attacks")
    void rejectsAttack(String template) {
        String sql = template.replace(
                        "ANALYTICS_DB", dataDir.resolve("analytics.duckdb").toString())
                .replace("EXPORTS", dataDir.resolve("exports").toString());
        assertThatThrownBy(() -> runner.run(QueryRequest.of(sql), QueryFormat.JSON, f -> new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass())
                                .as("%s -> %s", sql, e.getMessage())
                                .isIn(ErrorClass.READ_ONLY_VIOLATION, ErrorClass.SYNTAX));
    }

    @Test
    void aTableWhoseNameHoldsASlashIsReadAsTheTableNotRefusedAsAFile() {
        // found by an acceptance tester: a synced PostgreSQL table "sl/ash" could not be queried (the guard took
        // its name for a file path); a name that is no table still is one
        engine.executeOnLane("CREATE TABLE main.\"sl/ash\" AS SELECT 7 AS x");
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            runner.run(QueryRequest.of("SELECT x FROM main.\"sl/ash\""), QueryFormat.CSV, f -> out);
            assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("x\r\n7\r\n");
            assertThatThrownBy(() -> runner.run(
                            QueryRequest.of("SELECT * FROM main.\"no/such\""),
                            QueryFormat.JSON,
                            f -> new ByteArrayOutputStream()))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.READ_ONLY_VIOLATION));
        } finally {
            engine.executeOnLane("DROP TABLE main.\"sl/ash\"");
        }
    }

    @Test
    void corpusLeavesEveryTableAndTheDataDirectoryUnchanged() throws Exception {
        Map<String, String> before = checksums();
        List<String> filesBefore = listing();
        List<String> accepted = new ArrayList<>();
        for (String template : attacks().toList()) {
            String sql = template.replace(
                            "ANALYTICS_DB", dataDir.resolve("analytics.duckdb").toString())
                    .replace("EXPORTS", dataDir.resolve("exports").toString());
            try {
                runner.run(QueryRequest.of(sql), QueryFormat.JSON, f -> new ByteArrayOutputStream());
                accepted.add(sql);
            } catch (DuckbridgeException expected) {
                // rejected, as it should be
            }
        }
        assertThat(accepted).isEmpty();
        assertThat(attacks().count()).isGreaterThanOrEqualTo(40);
        assertThat(checksums()).isEqualTo(before);
        assertThat(listing()).isEqualTo(filesBefore);
        assertThat(Path.of("/tmp/duckbridge-leak.csv")).doesNotExist();
    }

    @Test
    void aTextWithOnlyCommentsIsAnInvalidRequestNotAViolation() {
        assertThatThrownBy(() -> runner.run(
                        QueryRequest.of("  -- nothing\n/* at all */"),
                        QueryFormat.JSON,
                        f -> new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                .hasMessageContaining("no statement");
    }

    @Test
    void aTextBeyondTheLengthLimitIsRefusedBeforeParsing() {
        String huge = "SELECT 1 IN (" + "0, ".repeat(QueryGuard.MAX_SQL_CHARS / 3) + "1)";
        assertThatThrownBy(() -> runner.run(QueryRequest.of(huge), QueryFormat.JSON, f -> new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("at most " + QueryGuard.MAX_SQL_CHARS);
                });
        String large = "SELECT 1 IN (" + "0, ".repeat(10_000) + "1) AS found";
        var out = new ByteArrayOutputStream();
        runner.run(QueryRequest.of(large), QueryFormat.JSON, f -> out);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"rows\":[[true]]");
    }

    @Test
    void aCallThatDuckDbCannotInterruptEndsAsATimeoutNotALateAnswer() {
        // one levenshtein of two 15,000-character strings takes about a second and is not interruptible
        QueryRequest slow = new QueryRequest(
                "SELECT levenshtein(repeat('a', 15000), repeat('b', 15000)) AS d",
                List.of(),
                Map.of(),
                null,
                java.time.Duration.ofMillis(100));
        for (QueryFormat format : List.of(QueryFormat.JSON, QueryFormat.PARQUET)) {
            var out = new ByteArrayOutputStream();
            assertThatThrownBy(() -> runner.run(slow, format, f -> out))
                    .as(format.name())
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.TIMEOUT));
            assertThat(out.size()).as(format.name()).isZero();
        }
    }

    @Test
    void syntaxErrorsCarryDuckDbsPosition() {
        assertThatThrownBy(() -> runner.run(QueryRequest.of("SELECT 1 FROM orders WHERE"), QueryFormat.JSON, f -> null))
                .isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.SYNTAX);
                    assertThat(e.position()).isNotNull();
                });
    }

    static Stream<String> legitimate() {
        return Stream.of(
                "SELECT customer, sum(amount) OVER (PARTITION BY customer ORDER BY id) AS running FROM orders",
                "WITH big AS (SELECT * FROM orders WHERE amount > 100) SELECT count(*) FROM big",
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) FROM r",
                "SELECT unnest([1, 2, 3]) AS x",
                "SELECT count(*) FROM read_parquet('EXPORTS/orders.parquet')",
                "SELECT count(*) FROM 'EXPORTS/*.parquet'",
                "PIVOT orders ON customer IN (0, 1, 2) USING count(*) GROUP BY day",
                "SELECT * FROM (SELECT customer, day FROM orders) PIVOT (count(*) FOR customer IN (0, 1, 2))",
                "UNPIVOT (SELECT 1 AS a, 2 AS b) ON a, b INTO NAME k VALUE v",
                "SELECT id, amount FROM orders QUALIFY row_number() OVER (PARTITION BY customer ORDER BY amount DESC) = 1",
                "FROM orders SELECT id LIMIT 3",
                "DESCRIBE orders",
                "SUMMARIZE orders",
                "SHOW TABLES",
                "VALUES (1, 'a'), (2, 'b')",
                "SELECT o.id, c.name FROM orders o JOIN customers c ON o.customer = c.id WHERE o.id < 5",
                "SELECT * FROM duckbridge.sync_state",
                "SELECT 'DROP TABLE orders; --' AS harmless",
                "SELECT 1 -- trailing comment; DROP TABLE orders",
                "SELECT 1;",
                "SELECT " + "1 + ".repeat(400) + "1 AS deep",
                "SELECT count(*) FROM range(10) t(i), generate_series(1, 3) g(j)",
                "SELECT table_name FROM duckdb_tables() WHERE table_name = 'orders'",
                "SELECT key, value FROM json_each('{\"a\": 1, \"b\": [2]}')",
                "SELECT * FROM pragma_table_info('orders')",
                "DESCRIBE SELECT * FROM orders",
                "SHOW ALL TABLES");
    }

    @ParameterizedTest
    @MethodSource("legitimate")
    void runsLegitimateAnalyticalSql(String template) {
        String sql = template.replace("EXPORTS", dataDir.resolve("exports").toString());
        var out = new ByteArrayOutputStream();
        QueryOutcome outcome = runner.run(QueryRequest.of(sql), QueryFormat.JSON, f -> out);
        assertThat(outcome.rowCount()).as(sql).isPositive();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"rows\":[[");
    }

    @Test
    void bindsPositionalAndNamedParametersWithoutSplicing() {
        var out = new ByteArrayOutputStream();
        runner.run(
                new QueryRequest(
                        "SELECT count(*) AS n FROM customers WHERE name = ? OR name = ?",
                        List.of("c1", "x' OR '1'='1"),
                        Map.of(),
                        null,
                        null),
                QueryFormat.JSON,
                f -> out);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"rows\":[[1]]");
        var named = new ByteArrayOutputStream();
        runner.run(
                new QueryRequest(
                        "SELECT count(*) AS n FROM orders WHERE customer = $c AND id < $max",
                        List.of(),
                        Map.of("c", 3, "max", 100),
                        null,
                        Duration.ofSeconds(5)),
                QueryFormat.JSON,
                f -> named);
        assertThat(named.toString(StandardCharsets.UTF_8)).contains("\"rows\":[[14]]");
    }

    @Test
    void namedParametersAreCaseInsensitiveAsInDuckDbAndMixingIsARequestErrorNotAViolation() {
        var out = new ByteArrayOutputStream();
        runner.run(
                new QueryRequest(
                        "SELECT $Max AS a, $max + 1 AS b", List.of(), Map.of("MAX", 41), null, Duration.ofSeconds(5)),
                QueryFormat.JSON,
                f -> out);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"rows\":[[41,42]]");
        assertThatThrownBy(() -> runner.run(
                        new QueryRequest("SELECT $a", List.of(), Map.of("a", 1, "A", 2), null, Duration.ofSeconds(5)),
                        QueryFormat.JSON,
                        f -> new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> runner.run(
                        new QueryRequest("SELECT ?, $a", List.of(), Map.of("a", 1), null, Duration.ofSeconds(5)),
                        QueryFormat.JSON,
                        f -> new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                .hasMessageContaining("Mixing named and positional parameters");
    }

    private String resolve(String template) {
        return template.replace(
                        "ANALYTICS_DB", dataDir.resolve("analytics.duckdb").toString())
                .replace("EXPORTS", dataDir.resolve("exports").toString());
    }

    @Test
    void remembersOnlyAcceptedTextsAndOnlyForTheExactText() {
        QueryGuard guard = new QueryGuard(List.of(dataDir.resolve("exports")), dataDir.resolve("analytics.duckdb"));
        engine.read(Duration.ofSeconds(30), session -> {
            var connection = session.connection();
            CheckedQuery first = guard.check(connection, "SELECT count(*) FROM orders");
            assertThat(guard.check(connection, "SELECT count(*) FROM orders")).isSameAs(first);
            assertThat(guard.cachedVerdicts()).isEqualTo(1);
            for (String attack : attacks().map(this::resolve).toList()) {
                for (int i = 0; i < 2; i++) {
                    assertThatThrownBy(() -> guard.check(connection, attack))
                            .as(attack)
                            .isInstanceOf(DuckbridgeException.class);
                }
            }
            for (String suffix :
                    List.of("; DROP TABLE orders", ";\nDELETE FROM orders", " UNION ALL SELECT getenv('HOME')")) {
                assertThatThrownBy(() -> guard.check(connection, "SELECT count(*) FROM orders" + suffix))
                        .isInstanceOf(DuckbridgeException.class);
            }
            assertThat(guard.cachedVerdicts())
                    .as("rejections are not remembered")
                    .isEqualTo(1);
            return null;
        });
    }

    @Test
    void eachGuardJudgesFilesByItsOwnRoots() {
        String sql = resolve("SELECT count(*) FROM read_parquet('EXPORTS/orders.parquet')");
        Path db = dataDir.resolve("analytics.duckdb");
        QueryGuard withRoot = new QueryGuard(List.of(dataDir.resolve("exports")), db);
        QueryGuard withoutRoot = new QueryGuard(List.of(), db);
        QueryGuard otherRoot = new QueryGuard(List.of(dataDir.resolve("backups")), db);
        engine.read(Duration.ofSeconds(30), session -> {
            assertThat(withRoot.check(session.connection(), sql).sql()).isEqualTo(sql);
            assertThat(withRoot.check(session.connection(), sql).sql()).isEqualTo(sql);
            for (QueryGuard other : List.of(withoutRoot, otherRoot)) {
                assertThatThrownBy(() -> other.check(session.connection(), sql))
                        .isInstanceOfSatisfying(
                                DuckbridgeException.class,
                                e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.READ_ONLY_VIOLATION));
            }
            return null;
        });
    }

    @Test
    void theVerdictCacheIsBoundedAndSkipsLongTexts() {
        Path db = dataDir.resolve("analytics.duckdb");
        QueryGuard two = new QueryGuard(List.of(), db, 2);
        QueryGuard none = new QueryGuard(List.of(), db, 0);
        engine.read(Duration.ofSeconds(30), session -> {
            for (String sql : List.of("SELECT 1", "SELECT 2", "SELECT 3")) {
                two.check(session.connection(), sql);
                none.check(session.connection(), sql);
            }
            assertThat(two.cachedVerdicts()).isEqualTo(2);
            assertThat(none.cachedVerdicts()).isZero();
            QueryGuard big = new QueryGuard(List.of(), db);
            String longText = "SELECT 1" + " ".repeat(QueryGuard.MAX_CACHED_TEXT);
            assertThat(big.check(session.connection(), longText).sql()).isEqualTo(longText);
            assertThat(big.cachedVerdicts()).isZero();
            return null;
        });
        assertThatThrownBy(() -> new QueryGuard(List.of(), db, -1))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST));
    }

    private Map<String, String> checksums() {
        return engine.read(Duration.ofSeconds(30), session -> {
            Map<String, String> sums = new TreeMap<>();
            List<String> tables = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT schema_name, table_name FROM duckdb_tables()")) {
                while (rs.next()) {
                    tables.add("\"" + rs.getString(1) + "\".\"" + rs.getString(2) + "\"");
                }
            }
            for (String t : tables) {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT count(*), sum(hash(x)) FROM " + t + " x")) {
                    rs.next();
                    sums.put(t, rs.getLong(1) + ":" + rs.getString(2));
                }
            }
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT string_agg(sequence_name || start_value, ',')"
                            + " || (SELECT count(*) FROM duckdb_views() WHERE NOT internal)"
                            + " || (SELECT count(*) FROM duckdb_functions() WHERE function_type = 'macro'"
                            + " AND NOT internal) FROM duckdb_sequences()")) {
                rs.next();
                sums.put("catalog", rs.getString(1));
            }
            return sums;
        });
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.map(p -> dataDir.relativize(p) + (Files.isRegularFile(p) ? ":" + size(p) : "/"))
                    .sorted()
                    .toList();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
