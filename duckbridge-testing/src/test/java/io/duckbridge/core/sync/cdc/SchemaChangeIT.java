package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.testing.TestingPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each schema change a Relation message can announce, while the stream keeps running for another
 * table ({@code sc_other}) that receives inserts between every step.
 */
@Timeout(240)
class SchemaChangeIT {
    private static final List<String> TABLES = List.of(
            "public.sc_add",
            "public.sc_add_default",
            "public.sc_drop",
            "public.sc_rename",
            "public.sc_widen",
            "public.sc_retype",
            "public.sc_other");
    private static TestingPostgres postgres;
    private static PostgresSource source;
    private static DuckDbEngine engine;
    private static ChangeCapture cdc;
    private static Path dir;
    private static final AtomicInteger otherKey = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("schema-change-it");
        postgres = TestingPostgres.start();
        source = new PostgresSource(postgres.jdbcUrl(), postgres.username(), postgres.password());
        for (String t : TABLES) {
            String name = t.substring("public.".length());
            postgres.execute("CREATE TABLE " + name + " (id int PRIMARY KEY, n int, label varchar(10),"
                    + " amount numeric(8,2), note text)");
            postgres.execute("INSERT INTO " + name + " SELECT g, g, 'l' || g, g / 4.0, 'note ' || g"
                    + " FROM generate_series(1, 200) g");
        }
        engine = DuckDbEngine.open(
                EngineSettings.defaults(dir.resolve("a.duckdb").toString()));
        cdc = new ChangeCapture(
                engine,
                source,
                CdcSettings.defaults()
                        .withSlotName("schema")
                        .withPublicationName("schema")
                        .withTables(TABLES)
                        .withHeartbeatInterval(Duration.ofMillis(500)));
        cdc.start();
        awaitEqual(TABLES);
    }

    @AfterAll
    static void stop() {
        cdc.disable();
        cdc.close();
        engine.close();
        postgres.close();
    }

    @AfterEach
    void otherTableKeepsStreaming() throws Exception {
        int key = 1000 + otherKey.incrementAndGet();
        postgres.execute("INSERT INTO sc_other VALUES (" + key + ", 1, 'x', 1, 'after a schema change')");
        awaitEqual(List.of("public.sc_other"));
        assertThat(cdc.status().state()).isEqualTo(CdcState.STREAMING);
    }

    @Test
    void addsColumn() throws Exception {
        postgres.execute("INSERT INTO sc_other VALUES (500, 1, 'a', 1, 'before')");
        postgres.execute("ALTER TABLE sc_add ADD COLUMN extra text, ADD COLUMN score bigint");
        postgres.execute("INSERT INTO sc_add VALUES (1000, 1, 'x', 1.5, 'new', 'extra!', 42)");
        postgres.execute("UPDATE sc_add SET extra = 'set' WHERE id <= 10");
        awaitEqual(List.of("public.sc_add", "public.sc_other"));
        assertThat(duckTypes("sc_add")).containsEntry("extra", "VARCHAR").containsEntry("score", "BIGINT");
    }

    @Test
    void addsColumnWithDefaultByCopyingAgain() throws Exception {
        postgres.execute("ALTER TABLE sc_add_default ADD COLUMN flag boolean NOT NULL DEFAULT true");
        postgres.execute("INSERT INTO sc_add_default VALUES (1000, 1, 'x', 1.5, 'new', false)");
        awaitEqual(List.of("public.sc_add_default"));
        assertThat(duckTypes("sc_add_default")).containsEntry("flag", "BOOLEAN");
        postgres.execute("UPDATE sc_add_default SET flag = false WHERE id = 5");
        awaitEqual(List.of("public.sc_add_default"));
    }

    @Test
    void dropsColumn() throws Exception {
        postgres.execute("ALTER TABLE sc_drop DROP COLUMN label");
        postgres.execute("UPDATE sc_drop SET n = n + 1 WHERE id <= 50");
        postgres.execute("DELETE FROM sc_drop WHERE id > 190");
        awaitEqual(List.of("public.sc_drop"));
        assertThat(duckTypes("sc_drop")).doesNotContainKey("label").containsKey("note");
    }

    @Test
    void renamesColumn() throws Exception {
        postgres.execute("ALTER TABLE sc_rename RENAME COLUMN note TO remark");
        postgres.execute("UPDATE sc_rename SET remark = 'renamed' WHERE id <= 20");
        awaitEqual(List.of("public.sc_rename"));
        assertThat(duckTypes("sc_rename")).containsKey("remark").doesNotContainKey("note");
    }

    @Test
    void widensTypes() throws Exception {
        postgres.execute("ALTER TABLE sc_widen ALTER COLUMN n TYPE bigint, ALTER COLUMN label TYPE varchar(50),"
                + " ALTER COLUMN amount TYPE numeric(12,3)");
        postgres.execute("INSERT INTO sc_widen VALUES (1000, 9000000000, 'a much longer label', 123456789.125, 'w')");
        awaitEqual(List.of("public.sc_widen"));
        assertThat(duckTypes("sc_widen"))
                .containsEntry("n", "BIGINT")
                .containsEntry("label", "VARCHAR")
                .containsEntry("amount", "DECIMAL(12,3)");
    }

    @Test
    void copiesAgainWhenTypeNarrows() throws Exception {
        postgres.execute("ALTER TABLE sc_retype ALTER COLUMN note TYPE int USING id * 10");
        postgres.execute("UPDATE sc_retype SET note = -1 WHERE id = 7");
        awaitEqual(List.of("public.sc_retype"));
        assertThat(duckTypes("sc_retype")).containsEntry("note", "INTEGER");
        postgres.execute("INSERT INTO sc_retype VALUES (1000, 1, 'x', 1, 99)");
        awaitEqual(List.of("public.sc_retype"));
        assertThat(cdc.status().tables())
                .filteredOn(t -> t.table().equals("public.sc_retype"))
                .extracting(CdcStatus.TableStatus::state)
                .containsExactly("streaming");
    }

    @Test
    void copiesTableAddedToTheCapturedSet() throws Exception {
        postgres.execute("CREATE TABLE sc_late (id int PRIMARY KEY, v text)");
        postgres.execute("INSERT INTO sc_late SELECT g, 'v' || g FROM generate_series(1, 100) g");
        List<String> more = new ArrayList<>(List.of("public.sc_late", "public.sc_other"));
        CdcSettings settings = CdcSettings.defaults()
                .withSlotName("schema_late")
                .withPublicationName("schema_late")
                .withTables(List.of("public.sc_other"))
                .withHeartbeatInterval(Duration.ofMillis(500));
        try (ChangeCapture first = new ChangeCapture(engine, source, settings)) {
            first.start();
            awaitEqual(List.of("public.sc_other"));
            first.stop();
            postgres.execute("INSERT INTO sc_late VALUES (101, 'while stopped')");
            try (ChangeCapture second = new ChangeCapture(engine, source, settings.withTables(more))) {
                second.start();
                postgres.execute("INSERT INTO sc_late VALUES (102, 'while streaming')");
                awaitEqual(more);
                assertThat(postgres.query("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'schema_late'")
                                .getFirst()
                                .getFirst())
                        .isEqualTo(2L);
                second.disable();
            }
        }
    }

    private static Map<String, String> duckTypes(String table) {
        return engine.read(session -> {
            Map<String, String> types = new LinkedHashMap<>();
            try (PreparedStatement ps = session.prepare("SELECT column_name, data_type FROM information_schema.columns"
                    + " WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        types.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            return types;
        });
    }

    private static void awaitEqual(List<String> tables) throws Exception {
        ChangeCaptureRestartIT.awaitEqual(source, engine, tables, dir);
    }
}
