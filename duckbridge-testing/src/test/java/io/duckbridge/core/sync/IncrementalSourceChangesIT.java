package io.duckbridge.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.jobs.JobContext;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TableSelector;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.core.sync.incremental.IncrementalSettings;
import io.duckbridge.core.sync.snapshot.SnapshotSettings;
import io.duckbridge.testing.TestingPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Incremental sync of a table that changed in ways its watermark does not show: a column dropped and added
 * again under its name and type, the table dropped and created again or truncated and reloaded with older
 * timestamps, a partition truncated. Each falls back to a full sync naming what changed, DuckDB ends equal to
 * PostgreSQL, and the run after is incremental again.
 */
@Timeout(180)
class IncrementalSourceChangesIT {
    static TestingPostgres pg;
    static DuckDbEngine engine;
    static PostgresSource source;

    @BeforeAll
    static void setUp() {
        pg = TestingPostgres.start();
        source = new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password());
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
    }

    @AfterAll
    static void tearDown() {
        if (engine != null) {
            engine.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    static TableSync sync(String table, int reconcileEvery) {
        return new TableSync(
                engine,
                source,
                null,
                new SyncSettings(
                        new TableSelector(List.of(table), List.of()),
                        null,
                        new SnapshotSettings(2, 10_000),
                        new IncrementalSettings("updated_at", Duration.ofMinutes(5), null, reconcileEvery)));
    }

    static String incremental(TableSync sync) {
        Map<String, Object> result = sync.run(null, SyncMode.INCREMENTAL, JobContext.none());
        return result.toString();
    }

    @Test
    void aColumnDroppedAndAddedAgainUnderItsNameAndTypeFallsBackToFull() {
        pg.execute("""
                CREATE TABLE readd_t (id int PRIMARY KEY, updated_at timestamptz DEFAULT now(), b int);
                INSERT INTO readd_t SELECT g, now() - interval '2 hours', g FROM generate_series(1, 100) g;
                UPDATE readd_t SET updated_at = now() - interval '30 minutes' WHERE id = 100;
                """);
        TableSync sync = sync("public.readd_t", 0);
        sync.run(null, SyncMode.FULL, JobContext.none());
        pg.execute("""
                ALTER TABLE readd_t DROP COLUMN b;
                ALTER TABLE readd_t ADD COLUMN b int DEFAULT 0;
                UPDATE readd_t SET updated_at = now() WHERE id = 1;
                """);

        String fallback = incremental(sync);
        assertEqual("readd_t", "id || '|' || coalesce(b::text, '-')");
        assertThat(fallback)
                .contains("fallbackReason=the columns of public.readd_t changed in PostgreSQL: column b was dropped"
                        + " and added again");

        pg.execute("UPDATE readd_t SET b = 7, updated_at = now() WHERE id = 2");
        assertThat(incremental(sync)).doesNotContain("fallbackReason");
        assertEqual("readd_t", "id || '|' || coalesce(b::text, '-')");
    }

    @Test
    void driftReasonsNameTheColumnAndTheChange() {
        pg.execute("""
                CREATE TABLE drift_t (id int PRIMARY KEY, a int, b int, c int, updated_at timestamptz DEFAULT now());
                INSERT INTO drift_t (id, a, b, c) VALUES (1, 1, 1, 1);
                """);
        TableSync sync = sync("public.drift_t", 0);
        sync.run(null, SyncMode.FULL, JobContext.none());

        pg.execute("ALTER TABLE drift_t RENAME COLUMN a TO a2");
        assertThat(incremental(sync)).contains("column a was renamed to a2");
        pg.execute("ALTER TABLE drift_t ALTER COLUMN b TYPE text");
        assertThat(incremental(sync)).contains("column b changed type from integer to text");
        pg.execute("ALTER TABLE drift_t DROP COLUMN c");
        String fallback = incremental(sync);
        assertEqual("drift_t", "id || '|' || a2 || '|' || b");
        assertThat(fallback).contains("column c was dropped");
        assertThat(incremental(sync)).doesNotContain("fallbackReason");
    }

    @Test
    void aTableDroppedAndCreatedAgainWithOlderRowsFallsBackToFull() {
        pg.execute("""
                CREATE TABLE recreate_t (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
                INSERT INTO recreate_t SELECT g, 'old' || g, now() FROM generate_series(1, 50) g;
                """);
        TableSync sync = sync("public.recreate_t", 0);
        sync.run(null, SyncMode.FULL, JobContext.none());
        pg.execute("""
                DROP TABLE recreate_t;
                CREATE TABLE recreate_t (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
                INSERT INTO recreate_t SELECT g, 'restored' || g, now() - interval '2 hours'
                  FROM generate_series(1, 30) g;
                """);

        String fallback = incremental(sync);
        assertEqual("recreate_t", "id || '|' || v");
        assertThat(fallback).contains("fallbackReason=public.recreate_t was dropped and created again");

        pg.execute("UPDATE recreate_t SET v = 'later', updated_at = now() WHERE id = 3");
        assertThat(incremental(sync)).doesNotContain("fallbackReason");
        assertEqual("recreate_t", "id || '|' || v");
    }

    @Test
    void aTableTruncatedAndReloadedWithOlderRowsFallsBackToFull() {
        pg.execute("""
                CREATE TABLE reload_t (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
                INSERT INTO reload_t SELECT g, 'old' || g, now() FROM generate_series(1, 30) g;
                """);
        // reconciling on every run used to delete every row the reload did not reuse a key of
        TableSync sync = sync("public.reload_t", 1);
        sync.run(null, SyncMode.FULL, JobContext.none());
        pg.execute("""
                TRUNCATE reload_t;
                INSERT INTO reload_t SELECT g, 'reload' || g, now() - interval '3 hours'
                  FROM generate_series(20, 40) g;
                """);

        String fallback = incremental(sync);
        assertEqual("reload_t", "id || '|' || v");
        assertThat(fallback).contains("fallbackReason=public.reload_t was truncated or rewritten in PostgreSQL");

        pg.execute("INSERT INTO reload_t VALUES (41, 'new', now())");
        assertThat(incremental(sync)).doesNotContain("fallbackReason");
        assertEqual("reload_t", "id || '|' || v");
    }

    @Test
    void aTruncatedPartitionFallsBackToFullAndANewEmptyPartitionDoesNot() {
        pg.execute("""
                CREATE TABLE parted_t (id int, v text, updated_at timestamptz DEFAULT now(), PRIMARY KEY (id))
                  PARTITION BY RANGE (id);
                CREATE TABLE parted_t_1 PARTITION OF parted_t FOR VALUES FROM (1) TO (100);
                CREATE TABLE parted_t_2 PARTITION OF parted_t FOR VALUES FROM (100) TO (200);
                INSERT INTO parted_t SELECT g, 'v' || g, now() FROM generate_series(1, 150) g;
                """);
        TableSync sync = sync("public.parted_t", 0);
        sync.run(null, SyncMode.FULL, JobContext.none());

        pg.execute("""
                CREATE TABLE parted_t_3 PARTITION OF parted_t FOR VALUES FROM (200) TO (300);
                INSERT INTO parted_t VALUES (250, 'new', now());
                """);
        assertThat(incremental(sync)).doesNotContain("fallbackReason");
        assertEqual("parted_t", "id || '|' || v");

        pg.execute("""
                TRUNCATE parted_t_2;
                INSERT INTO parted_t SELECT g, 'reload' || g, now() - interval '1 day' FROM generate_series(100, 120) g;
                """);
        String fallback = incremental(sync);
        assertEqual("parted_t", "id || '|' || v");
        assertThat(fallback).contains("partition public.parted_t_2 of public.parted_t was truncated");

        pg.execute("""
                CREATE TABLE parted_t_4 (id int NOT NULL, v text, updated_at timestamptz DEFAULT now());
                INSERT INTO parted_t_4 VALUES (300, 'attached', now() - interval '1 day');
                ALTER TABLE parted_t ATTACH PARTITION parted_t_4 FOR VALUES FROM (300) TO (400);
                """);
        String attached = incremental(sync);
        assertEqual("parted_t", "id || '|' || v");
        assertThat(attached).contains("partition public.parted_t_4 of public.parted_t was attached");
    }

    @Test
    void aStateWithoutIdentityFromAnEarlierVersionStaysIncrementalAndRecordsIt() {
        pg.execute("""
                CREATE TABLE legacy_t (id int PRIMARY KEY, v text, updated_at timestamptz DEFAULT now());
                INSERT INTO legacy_t (id, v) VALUES (1, 'a');
                """);
        TableSync sync = sync("public.legacy_t", 0);
        sync.run(null, SyncMode.FULL, JobContext.none());
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.executeUpdate("UPDATE duckbridge.sync_state SET source_identity = NULL"
                        + " WHERE table_name = 'public.legacy_t'");
            }
            return null;
        });
        pg.execute("INSERT INTO legacy_t (id, v) VALUES (2, 'b')");

        assertThat(incremental(sync)).doesNotContain("fallbackReason");
        assertThat(sync.states()
                        .find(new TableName("public", "legacy_t"))
                        .orElseThrow()
                        .identity())
                .contains("\"attnums\"");
        assertEqual("legacy_t", "id || '|' || v");

        // from now on a TRUNCATE is seen
        pg.execute("TRUNCATE legacy_t; INSERT INTO legacy_t VALUES (5, 'c', now() - interval '1 day')");
        String fallback = incremental(sync);
        assertEqual("legacy_t", "id || '|' || v");
        assertThat(fallback).contains("was truncated or rewritten");
    }

    /** The rows of {@code table} as {@code row} renders them, the same in PostgreSQL and in DuckDB. */
    static void assertEqual(String table, String row) {
        String sql = "SELECT " + row + " FROM public." + table + " ORDER BY id";
        List<String> expected = new ArrayList<>();
        try (Connection c = pg.connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                expected.add(rs.getString(1));
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        assertThat(expected).isNotEmpty();
        List<String> actual = engine.read(session -> {
            List<String> out = new ArrayList<>();
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
        assertThat(actual).as(table).containsExactlyElementsOf(expected);
    }
}
