package io.duckbridge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Timeout(60)
class QueryCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void queriesTheDatabaseFileDirectlyAsCsv() {
        Path file = dataDir.resolve("analytics.duckdb");
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            engine.write(session -> session.statement()
                    .execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a,b'), (2, NULL)) v(id, name)"));
        }
        CliRun run = CliRun.of(
                "query", "SELECT id, name FROM t ORDER BY id", "--format", "csv", "--data-dir", dataDir.toString());
        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo("id,name\n1,\"a,b\"\n2,\n");
    }

    @Test
    void aCsvOrTableResultCutAtMaxRowsSaysSoOnStandardError() {
        // found by an acceptance tester: csv and table output stopped at 10,000 rows without a word
        try (var engine = DuckDbEngine.open(
                EngineSettings.defaults(dataDir.resolve("analytics.duckdb").toString()))) {
            engine.write(session -> session.statement().execute("CREATE TABLE t AS SELECT range AS id FROM range(5)"));
        }
        CliRun cut = CliRun.of(
                "query",
                "SELECT id FROM t ORDER BY id",
                "--format",
                "csv",
                "--max-rows",
                "3",
                "--data-dir",
                dataDir.toString());
        assertThat(cut.exit()).isZero();
        assertThat(cut.out()).isEqualTo("id\n0\n1\n2\n");
        assertThat(cut.err()).contains("more than 3 rows", "--max-rows");
        CliRun table =
                CliRun.of("query", "SELECT id FROM t ORDER BY id", "--max-rows", "3", "--data-dir", dataDir.toString());
        assertThat(table.out()).endsWith("(3 rows, cut at --max-rows)\n");
        CliRun whole = CliRun.of(
                "query",
                "SELECT id FROM t ORDER BY id",
                "--format",
                "csv",
                "--max-rows",
                "5",
                "--data-dir",
                dataDir.toString());
        assertThat(whole.out()).isEqualTo("id\n0\n1\n2\n3\n4\n");
        assertThat(whole.err()).doesNotContain("warning");
    }

    @Test
    void aQueryOnTheFileRunsInsideDuckDbsSandbox() throws Exception {
        createTable();
        Path file = dataDir.resolve("analytics.duckdb");
        try (var engine = DuckDbEngine.open(io.duckbridge.server.cli.QueryCommand.settings(file, dataDir))) {
            String settings = engine.read(java.time.Duration.ofSeconds(10), session -> {
                try (var rs = session.statement()
                        .executeQuery("SELECT current_setting('enable_external_access'),"
                                + " current_setting('lock_configuration')")) {
                    rs.next();
                    return rs.getString(1) + "," + rs.getString(2);
                }
            });
            assertThat(settings).isEqualTo("false,true");
        }
        // and the CLI still answers from that engine
        CliRun run =
                CliRun.of("query", "SELECT count(*) AS n FROM t", "--format", "csv", "--data-dir", dataDir.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("n\n1\n");
    }

    /** Values the JDBC driver returns as Java objects whose toString() is no JSON or CSV text. */
    private static final String TYPED = "SELECT 9007199254740993::BIGINT AS big, 2.50::DECIMAL(4,2) AS dec,"
            + " 170141183460469231731687303715884105727::HUGEINT AS huge,"
            + " '123e4567-e89b-12d3-a456-426614174000'::UUID AS id, '\\xAA\\x01z'::BLOB AS bytes,"
            + " {'k': 1, 'v': 'x'} AS s, [1, 2] AS l, MAP {'a': 1} AS m, DATE '2024-02-29' AS d, true AS ok,"
            + " NULL::INTEGER AS nothing";

    @Test
    void jsonOnTheFileIsTheHttpApiBody() {
        createTable();
        CliRun run = CliRun.of("query", TYPED, "--format", "json", "--data-dir", dataDir.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode body = JsonMapper.shared().readTree(run.out());
        assertThat(body.propertyNames())
                .containsExactly("queryId", "columns", "rows", "rowCount", "truncated", "elapsedMs");
        assertThat(body.path("columns").get(0).path("name").asString()).isEqualTo("big");
        assertThat(body.path("columns").get(0).path("type").asString()).isEqualTo("BIGINT");
        assertThat(body.path("rowCount").asLong()).isEqualTo(1);
        assertThat(body.path("truncated").asBoolean(true)).isFalse();
        JsonNode row = body.path("rows").get(0);
        assertThat(row.get(0).isString()).isTrue();
        assertThat(row.get(0).asString()).isEqualTo("9007199254740993");
        assertThat(row.get(1).asString()).isEqualTo("2.50");
        assertThat(row.get(2).asString()).isEqualTo("170141183460469231731687303715884105727");
        assertThat(row.get(3).asString()).isEqualTo("123e4567-e89b-12d3-a456-426614174000");
        assertThat(row.get(4).asString()).isEqualTo("qgF6"); // base64 of AA 01 7A
        assertThat(row.get(5).toString()).isEqualTo("{\"k\":1,\"v\":\"x\"}");
        assertThat(row.get(6).toString()).isEqualTo("[1,2]");
        assertThat(row.get(7).toString()).isEqualTo("{\"a\":1}");
        assertThat(row.get(8).asString()).isEqualTo("2024-02-29");
        assertThat(row.get(9).isBoolean()).isTrue();
        assertThat(row.get(10).isNull()).isTrue();
    }

    @Test
    void csvAndTableOnTheFileShowDuckDbText() {
        createTable();
        CliRun csv = CliRun.of("query", TYPED, "--format", "csv", "--data-dir", dataDir.toString());
        assertThat(csv.exit()).as(csv.err()).isZero();
        String[] lines = csv.out().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[1])
                .startsWith("9007199254740993,2.50,170141183460469231731687303715884105727,"
                        + "123e4567-e89b-12d3-a456-426614174000,\\xAA\\x01z,")
                .endsWith(",2024-02-29,true,")
                .doesNotContain("DuckDB")
                .doesNotContain("k=1");

        // NULL and an empty string differ; a line end, tab or bell in a value keeps the row on one line
        CliRun table = CliRun.of(
                "query",
                "SELECT 'a,b' AS x, '\\xAA'::BLOB AS b, NULL AS n, 'l1' || chr(10) || 'l2' || chr(9) || chr(7) AS c,"
                        + " '' AS e",
                "--data-dir",
                dataDir.toString());
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out().lines().toList())
                .containsExactly(
                        "x   | b    | n    | c            | e",
                        "----+------+------+--------------+--",
                        "a,b | \\xAA | NULL | l1\\nl2\\t\\x07 |",
                        "(1 rows)");
    }

    @Test
    void aTableAlignsWideCharactersByTheColumnsTheyTake() {
        createTable();
        CliRun table = CliRun.of(
                "query",
                "SELECT * FROM (VALUES ('東京', 1), ('Paris', 22), ('e\u0301', 3)) v(city, n)",
                "--data-dir",
                dataDir.toString());
        assertThat(table.exit()).as(table.err()).isZero();
        // 東京 takes four columns on a terminal, as Paris takes five; the combining accent takes none
        assertThat(table.out().lines().toList())
                .containsExactly("city  | n", "------+---", "東京  | 1", "Paris | 22", "e\u0301     | 3", "(3 rows)");
    }

    private void createTable() {
        Path file = dataDir.resolve("analytics.duckdb");
        try (var engine = DuckDbEngine.open(EngineSettings.defaults(file.toString()))) {
            engine.write(session -> session.statement().execute("CREATE TABLE t AS SELECT 1 AS i"));
        }
    }

    @Test
    void aUrlWithoutSchemeIsOneErrorLineNamingTheFix() {
        for (String url : List.of("localhost:8080", "notaurl", "ftp://x")) {
            CliRun run = CliRun.of("query", "SELECT 1", "--url=" + url);
            assertThat(run.exit()).as(url).isEqualTo(1);
            assertThat(run.err().strip())
                    .as(url)
                    .startsWith("error: INVALID_REQUEST: --url " + url + " is not an http:// or https:// address")
                    .contains("--url http://localhost:8080")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void sqlThatStartsWithACommentIsTheQueryNotAnOption() {
        // found by an acceptance tester: picocli refused it with "Missing required parameter: 'SQL'"
        createTable();
        String sql = "-- top comment\nSELECT i AS x FROM t";
        CliRun first = CliRun.of("query", sql, "--format", "csv", "--data-dir", dataDir.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo("x\n1\n");
        CliRun last =
                CliRun.of("query", "--format", "csv", "--data-dir", dataDir.toString(), "--  a comment\nSELECT 2 AS y");
        assertThat(last.exit()).as(last.err()).isZero();
        assertThat(last.out()).isEqualTo("y\n2\n");
        // a mistyped option is still one
        CliRun typo = CliRun.of("query", "SELECT 1", "--formt", "csv", "--data-dir", dataDir.toString());
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("Unknown option", "'--formt'", "Possible solutions: --format");
        CliRun typoFirst = CliRun.of("query", "--formt=csv", "SELECT 1", "--data-dir", dataDir.toString());
        assertThat(typoFirst.exit()).isEqualTo(2);
        assertThat(typoFirst.err()).contains("Unknown option", "'--formt=csv'");
        // an option's value is the option's, even when it looks like SQL
        CliRun value = CliRun.of("query", "SELECT 1", "--data-dir", "- no such dir");
        assertThat(value.exit()).isEqualTo(1);
        assertThat(value.err()).startsWith("error: NOT_FOUND: no database at - no such dir");
    }

    @Test
    void aQueryOnTheFileStopsAtItsTimeout() {
        createTable();
        CliRun run = CliRun.of(
                "query",
                "SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b",
                "--timeout",
                "300ms",
                "--format",
                "csv",
                "--data-dir",
                dataDir.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("error: TIMEOUT: ").contains("300 ms").doesNotContain("\tat ");
    }

    @Test
    void aTimeoutThatIsNoDurationOrAboveTheMaximumIsOneErrorLineNamingTheFix() {
        createTable();
        CliRun soon = CliRun.of("query", "SELECT 1", "--timeout", "soon", "--data-dir", dataDir.toString());
        assertThat(soon.exit()).isEqualTo(1);
        assertThat(soon.err())
                .isEqualTo("error: INVALID_REQUEST: --timeout \"soon\" is not a duration; use e.g. 30s, 5m or 30000"
                        + " (milliseconds)\n");
        CliRun zero = CliRun.of("query", "SELECT 1", "--timeout", "0s", "--data-dir", dataDir.toString());
        assertThat(zero.err()).startsWith("error: INVALID_REQUEST: --timeout 0s is not positive");
        CliRun tooLong = CliRun.of("query", "SELECT 1", "--timeout", "10m", "--data-dir", dataDir.toString());
        assertThat(tooLong.exit()).isEqualTo(1);
        assertThat(tooLong.err()).startsWith("error: INVALID_REQUEST: --timeout 10m is above the maximum of 5m");
        CliRun fine = CliRun.of(
                "query", "SELECT 1 AS x", "--timeout", "5m", "--format", "csv", "--data-dir", dataDir.toString());
        assertThat(fine.out()).isEqualTo("x\n1\n");
    }

    @Test
    void usageErrorsAreUtf8WhateverTheStreamsEncodingIs() {
        // under LANG=C System.err encodes as ASCII; picocli's message echoes the argument
        var err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        int exit;
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.US_ASCII));
            exit = DuckbridgeServer.commandLine().execute("query", "SELECT 1", "--formé");
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("'--formé'");
    }

    @Test
    void missingDatabaseIsOneErrorLineAndExitCodeOne() {
        CliRun run = CliRun.of(
                "query", "SELECT 1", "--data-dir", dataDir.resolve("none").toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: NOT_FOUND: no database at").contains("--url");
    }
}
