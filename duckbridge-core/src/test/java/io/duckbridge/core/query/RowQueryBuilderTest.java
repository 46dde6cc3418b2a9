package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Timeout(60)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RowQueryBuilderTest {
    DuckDbEngine engine;
    QueryRunner runner;

    @BeforeAll
    void open(@TempDir Path dir) {
        Path db = dir.resolve("analytics.duckdb");
        engine = DuckDbEngine.open(
                EngineSettings.defaults(db.toString()).withThreads(2).withReaders(2, 16));
        engine.write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE SCHEMA shop");
                st.execute("CREATE TABLE shop.orders AS SELECT range AS id, 'c' || (range % 3) AS customer,"
                        + " range * 2.5 AS amount, CASE WHEN range % 4 = 0 THEN NULL ELSE 'note' END AS note"
                        + " FROM range(20)");
                st.execute("CREATE TABLE shop.\"odd \"\"name\" AS SELECT 1 AS \"we\"\"ird\"");
                st.execute("CREATE TABLE shop.\"a.b\" AS SELECT 7 AS x");
            }
            return null;
        });
        runner = new QueryRunner(
                engine, new QueryGuard(List.of(), db), QueryLimits.defaults(), new QueryRecorder(), dir.resolve("tmp"));
    }

    @AfterAll
    void close() {
        runner.close();
        engine.close();
    }

    private JsonNode rows(RowQuery query) {
        var out = new ByteArrayOutputStream();
        runner.rows(query, QueryFormat.JSON, f -> out);
        return JsonMapper.shared().readTree(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void filtersOrdersAndLimits() {
        Map<String, Object> filters = new LinkedHashMap<>();
        filters.put("customer", List.of("c0", "c1"));
        filters.put("amount", Map.of("op", ">=", "value", 10));
        filters.put("id", Map.of("op", "between", "value", List.of(2, 15)));
        JsonNode body = rows(new RowQuery("shop.orders", List.of("id", "amount"), filters, List.of("id desc"), 3));
        assertThat(body.path("rows").toString()).isEqualTo("[[15,\"37.5\"],[13,\"32.5\"],[12,\"30.0\"]]");
        JsonNode nulls =
                rows(new RowQuery("orders", List.of("id"), Map.of("note", Map.of("op", "is null")), null, null));
        assertThat(nulls.path("rowCount").asInt()).isEqualTo(5);
        // a value would say the opposite of the operator, and an unknown field is a typo: both refused
        for (Map<String, Object> filter : List.of(
                Map.<String, Object>of("op", "is null", "value", false),
                Map.<String, Object>of("op", ">", "valeu", 3))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> rows(new RowQuery("orders", List.of("id"), Map.of("note", filter), null, null)))
                    .isInstanceOfSatisfying(
                            io.duckbridge.core.error.DuckbridgeException.class,
                            e -> assertThat(e.errorClass())
                                    .isEqualTo(io.duckbridge.core.error.ErrorClass.INVALID_REQUEST));
        }
        JsonNode like = rows(new RowQuery(
                "SHOP.ORDERS",
                List.of("ID"),
                Map.of("customer", Map.of("op", "like", "value", "c2%")),
                List.of("id"),
                2));
        assertThat(like.path("rows").toString()).isEqualTo("[[2],[5]]");
        JsonNode odd = rows(new RowQuery("shop.odd \"name", List.of("we\"ird"), null, null, null));
        assertThat(odd.path("rows").toString()).isEqualTo("[[1]]");
        // a dot inside a name is quoted, as for the tables and sync endpoints
        JsonNode dotted = rows(new RowQuery("shop.\"a.b\"", List.of("x"), null, null, null));
        assertThat(dotted.path("rows").toString()).isEqualTo("[[7]]");
    }

    @Test
    void valuesAreBoundSoInjectionFindsNothing() {
        for (String attack :
                List.of("c0' OR '1'='1", "c0'; DROP TABLE shop.orders; --", "c0\" OR 1=1 --", "c0/* */' OR 1=1")) {
            JsonNode body = rows(new RowQuery("shop.orders", List.of("id"), Map.of("customer", attack), null, null));
            assertThat(body.path("rowCount").asInt()).as(attack).isZero();
        }
        assertThat(tableCount()).isEqualTo(20);
    }

    @Test
    void unknownOrHostileNamesAreBinderErrorsNamingThem() {
        for (RowQuery hostile : List.of(
                new RowQuery("shop.orders; DROP TABLE shop", null, null, null, null),
                new RowQuery("shop.orders\" --", null, null, null, null),
                new RowQuery("shop.orders", List.of("id\"; DROP TABLE shop.orders; --"), null, null, null),
                new RowQuery("shop.orders", List.of("id"), Map.of("1=1 OR id", 1), null, null),
                new RowQuery("shop.orders", List.of("id"), null, List.of("id; DROP TABLE shop.orders"), null),
                new RowQuery("shop.orders", List.of("id"), null, List.of("(SELECT 1) desc"), null),
                new RowQuery("nope", null, null, null, null))) {
            assertThatThrownBy(() -> rows(hostile)).isInstanceOfSatisfying(DuckbridgeException.class, e -> {
                assertThat(e.errorClass()).isEqualTo(ErrorClass.BINDER);
                assertThat(e.getMessage()).contains("does not exist");
            });
        }
        // three parts are not schema.table (as in every endpoint that takes a table name)
        assertThatThrownBy(() -> rows(new RowQuery("shop.orders; DROP TABLE shop.orders", null, null, null, null)))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                .hasMessageContaining("quote parts that contain dots");
        assertThatThrownBy(() -> rows(new RowQuery(
                        "shop.orders", null, Map.of("id", Map.of("op", "; DROP", "value", 1)), null, null)))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST));
        assertThat(tableCount()).isEqualTo(20);
    }

    private long tableCount() {
        return engine.read(Duration.ofSeconds(5), session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM shop.orders")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
