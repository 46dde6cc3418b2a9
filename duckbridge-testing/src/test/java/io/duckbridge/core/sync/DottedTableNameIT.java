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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Table names with dots, quotes and surrounding spaces keep their sync state apart from everyone else's: one
 * such table once made every later sync and the table list fail, because its state was keyed by the
 * unquoted text, which does not read back as a two-part name.
 */
@Timeout(120)
class DottedTableNameIT {
    static TestingPostgres pg;
    static DuckDbEngine engine;

    static final List<TableName> TABLES = List.of(
            new TableName("public", "a.b"),
            new TableName("my.schema", "t.x"),
            new TableName("public", "say \"hi\""),
            new TableName("public", " padded "),
            new TableName("public", "plain"));

    @BeforeAll
    static void setUp() {
        pg = TestingPostgres.start();
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
        pg.execute("CREATE SCHEMA \"my.schema\"");
        for (TableName t : TABLES) {
            pg.execute("CREATE TABLE " + t.quoted() + " (id int PRIMARY KEY, v text)");
            pg.execute("INSERT INTO " + t.quoted() + " SELECT i, 'v' || i FROM generate_series(1, 3) i");
        }
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

    static TableSync sync() {
        return new TableSync(
                engine,
                new PostgresSource(pg.jdbcUrl(), pg.username(), pg.password()),
                null,
                new SyncSettings(
                        new TableSelector(List.of("*.*"), List.of()),
                        null,
                        new SnapshotSettings(2, 10_000),
                        new IncrementalSettings("updated_at", Duration.ofMinutes(1), null, 0)));
    }

    @Test
    void everyTableKeepsItsOwnStateAndTheOthersStillSync() {
        Map<String, Object> result = sync().run(TABLES, SyncMode.FULL, JobContext.none());
        // the job result names each table as the sync endpoints read it back: quoted where a part holds a dot,
        // a quote or surrounding spaces ("public.a.b" could be either of two tables)
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> listed = (List<Map<String, Object>>) result.get("tables");
        assertThat(listed.stream().map(r -> r.get("table")).toList())
                .containsExactlyInAnyOrderElementsOf(
                        TABLES.stream().map(TableName::key).toList())
                .contains("\"public\".\"a.b\"", "public.plain");
        // again, now that the states exist: this is where a dotted name used to break everything
        sync().run(List.of(new TableName("public", "plain")), SyncMode.FULL, JobContext.none());

        SyncStateStore states = sync().states();
        assertThat(states.all().keySet()).containsExactlyInAnyOrderElementsOf(TABLES);
        for (TableName t : TABLES) {
            assertThat(states.find(t)).as(t.quoted()).hasValueSatisfying(s -> {
                assertThat(s.table()).isEqualTo(t);
                assertThat(s.rows()).isEqualTo(3);
            });
        }

        // a row an earlier version wrote unquoted is skipped, not fatal for the rest
        engine.executeOnLane(
                "INSERT INTO duckbridge.sync_state (table_name, mode) VALUES ('public.old.dotted', 'full')");
        assertThat(states.all().keySet()).containsExactlyInAnyOrderElementsOf(TABLES);
    }
}
