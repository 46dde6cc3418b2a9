package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.jobs.JobFailure;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.testing.TestingPostgres;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * PostgreSQL names DuckDB cannot tell apart (it ignores the case of letters): two tables that would be one
 * DuckDB table fail with CONFLICT instead of overwriting each other's rows, and a table with columns that
 * differ only in case fails alone, not the whole run.
 */
@Timeout(120)
class NameClashIT {
    TestingPostgres pg;
    DuckDbEngine engine;

    @BeforeEach
    void setUp() {
        pg = TestingPostgres.start();
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
        pg.execute("""
                CREATE TABLE good (id int PRIMARY KEY, v text);
                INSERT INTO good SELECT g, 'v' || g FROM generate_series(1, 50) g;
                CREATE TABLE "MixedCase" (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
                INSERT INTO "MixedCase" (id, v) VALUES (1, 'MC');
                CREATE TABLE mixedcase (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
                INSERT INTO mixedcase (id, v) VALUES (1, 'lower');
                """);
    }

    @AfterEach
    void tearDown() {
        if (engine != null) {
            engine.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    TableSync sync(List<String> exclude) {
        return new TableSync(
                engine,
                new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                null,
                new SyncSettings(new TableSelector(List.of(), exclude), null, new SnapshotSettings(2, 10_000), null));
    }

    @Test
    void tablesWhoseNamesDifferOnlyInCaseFailWithConflictAndOverwriteNothing() {
        TableSync sync = sync(List.of());
        for (SyncMode mode : SyncMode.values()) {
            JobFailure failure = catchThrowableOfType(JobFailure.class, () -> sync.run(null, mode, JobContext.none()));

            assertThat(failure.errorClass()).as(mode.wireName()).isEqualTo(ErrorClass.CONFLICT);
            assertThat(status(failure, "public.good")).containsEntry("status", "succeeded");
            for (String table : List.of("public.MixedCase", "public.mixedcase")) {
                assertThat(status(failure, table))
                        .containsEntry("status", "failed")
                        .containsEntry("errorClass", "CONFLICT");
            }
            assertThat(status(failure, "public.MixedCase").get("error").toString())
                    .contains("public.mixedcase")
                    .contains("duckbridge.sync.exclude");
            assertThat(duckStrings("SELECT count(*) FROM duckdb_tables() WHERE lower(table_name) = 'mixedcase'"))
                    .containsExactly("0");
        }

        // one table alone is refused as well while the other is selected
        assertThat(catchThrowableOfType(
                                JobFailure.class,
                                () -> sync.run(
                                        List.of(new TableName("public", "MixedCase")),
                                        SyncMode.FULL,
                                        JobContext.none()))
                        .errorClass())
                .isEqualTo(ErrorClass.CONFLICT);
        assertThat(sync.states().find(new TableName("public", "MixedCase")))
                .hasValueSatisfying(s -> assertThat(s.status()).isEqualTo("failed"));
    }

    @Test
    void leavingOneOutSyncsTheOtherAndItsCopyStaysItsOwn() {
        sync(List.of("public.MixedCase")).run(null, SyncMode.FULL, JobContext.none());
        assertThat(duckStrings("SELECT v FROM public.mixedcase")).containsExactly("lower");

        // included again, the other table is refused: it never overwrites the rows that are there
        JobFailure failure = catchThrowableOfType(
                JobFailure.class,
                () -> sync(List.of())
                        .run(List.of(new TableName("public", "MixedCase")), SyncMode.FULL, JobContext.none()));
        assertThat(failure.errorClass()).isEqualTo(ErrorClass.CONFLICT);
        assertThat(duckStrings("SELECT v FROM public.mixedcase")).containsExactly("lower");
        assertThat(duckStrings("SELECT v FROM public.\"MixedCase\"")).containsExactly("lower");
    }

    @Test
    void tablesOfSchemasWhoseNamesDifferOnlyInCaseFailWithConflict() {
        // found by an acceptance tester: "Sales".u and sales.t shared one DuckDB schema, and the tables of the
        // schema created second were looked up under a name DuckDB did not have
        pg.execute("""
                CREATE SCHEMA "Sales"; CREATE SCHEMA sales;
                CREATE TABLE "Sales".u (id int PRIMARY KEY); INSERT INTO "Sales".u VALUES (1);
                CREATE TABLE sales.t (id int PRIMARY KEY); INSERT INTO sales.t VALUES (2);
                """);
        JobFailure failure = catchThrowableOfType(
                JobFailure.class, () -> sync(List.of("public.MixedCase")).run(null, SyncMode.FULL, JobContext.none()));
        assertThat(failure.errorClass()).isEqualTo(ErrorClass.CONFLICT);
        assertThat(status(failure, "public.good")).containsEntry("status", "succeeded");
        for (String table : List.of("Sales.u", "sales.t")) {
            assertThat(status(failure, table))
                    .containsEntry("status", "failed")
                    .containsEntry("errorClass", "CONFLICT");
        }
        assertThat(status(failure, "sales.t").get("error").toString())
                .contains("\"Sales\"")
                .contains("exclude");

        // Duckbridge's own names are refused the same way
        pg.execute("""
                CREATE SCHEMA duckbridge; CREATE TABLE duckbridge.sync_state (id int PRIMARY KEY);
                CREATE TABLE public.__duckbridge_staging_1_1 (id int PRIMARY KEY);
                """);
        JobFailure reserved = catchThrowableOfType(
                JobFailure.class,
                () -> sync(List.of("public.MixedCase", "Sales.*")).run(null, SyncMode.FULL, JobContext.none()));
        for (String table : List.of("duckbridge.sync_state", "public.__duckbridge_staging_1_1")) {
            assertThat(status(reserved, table)).containsEntry("errorClass", "CONFLICT");
        }
        assertThat(status(reserved, "sales.t")).containsEntry("status", "succeeded");
        pg.execute("DROP SCHEMA duckbridge CASCADE; DROP TABLE public.__duckbridge_staging_1_1");

        // leaving one schema out syncs the other
        sync(List.of("public.MixedCase", "Sales.*")).run(null, SyncMode.FULL, JobContext.none());
        assertThat(duckStrings("SELECT id FROM sales.t")).containsExactly("2");
    }

    @Test
    void columnsDifferingOnlyInCaseFailTheirTableAloneWithConflict() {
        pg.execute("""
                CREATE TABLE colcase (id int PRIMARY KEY, "Val" text, val text);
                INSERT INTO colcase VALUES (1, 'a', 'b');
                """);
        TableSync sync = sync(List.of("public.MixedCase", "public.mixedcase"));
        JobFailure failure =
                catchThrowableOfType(JobFailure.class, () -> sync.run(null, SyncMode.FULL, JobContext.none()));

        assertThat(status(failure, "public.good")).containsEntry("status", "succeeded");
        assertThat(duckStrings("SELECT count(*) FROM public.good")).containsExactly("50");
        assertThat(failure.errorClass()).isEqualTo(ErrorClass.CONFLICT);
        Map<String, Object> colcase = status(failure, "public.colcase");
        assertThat(colcase).containsEntry("status", "failed").containsEntry("errorClass", "CONFLICT");
        assertThat(colcase.get("error").toString())
                .contains("public.colcase")
                .contains("\"Val\"")
                .contains("\"val\"")
                .contains("duckbridge.sync.exclude=public.colcase");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(JobFailure failure, String table) {
        return ((List<Map<String, Object>>) failure.result().get("tables"))
                .stream()
                        .filter(t -> table.equals(t.get("table")))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no result for " + table + ": " + failure.result()));
    }

    private List<String> duckStrings(String sql) {
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
}
