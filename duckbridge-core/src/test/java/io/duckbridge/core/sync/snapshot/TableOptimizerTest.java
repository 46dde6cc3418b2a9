package io.duckbridge.core.sync.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.schema.TableLayout;
import io.duckbridge.core.schema.TableName;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TableOptimizerTest {
    DuckDbEngine engine;

    @BeforeEach
    void open() {
        engine = DuckDbEngine.open(EngineSettings.defaults(":memory:"));
        engine.executeOnLane("CREATE SCHEMA shop");
        // rows appended out of order, as incremental or CDC changes leave them
        engine.executeOnLane("CREATE TABLE shop.\"Orders\" AS SELECT (i * 7919) % 50000 AS id, i % 100 AS customer,"
                + " TIMESTAMP '2024-01-01' + to_seconds((i * 7919) % 50000) AS \"created at\" FROM range(50000) t(i)");
    }

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void rewritesTheTableInSortOrderWithItsIndexesAndTheSameRows() {
        String before = scalar("SELECT sum(hash(id, customer, \"created at\")) FROM shop.\"Orders\"");
        assertThat(outOfOrder()).isPositive();

        var result = new TableOptimizer(engine)
                .optimize(
                        new TableName("shop", "Orders"),
                        new TableLayout(List.of("created at", "id"), List.of("customer")));

        assertThat(result).containsEntry("rows", 50000L);
        assertThat(outOfOrder()).isZero();
        assertThat(scalar("SELECT sum(hash(id, customer, \"created at\")) FROM shop.\"Orders\""))
                .isEqualTo(before);
        assertThat(scalar("SELECT string_agg(index_name) FROM duckdb_indexes() WHERE table_name = 'Orders'"))
                .isEqualTo("Orders_customer_idx");
        assertThat(scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__duckbridge%'"))
                .isEqualTo("0");

        // optimizing again replaces the index instead of failing on its name
        new TableOptimizer(engine)
                .optimize(new TableName("shop", "Orders"), new TableLayout(List.of("id"), List.of("customer")));
        assertThat(scalar("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'Orders'"))
                .isEqualTo("1");
    }

    @Test
    void rejectsUnknownTablesAndColumns() {
        var optimizer = new TableOptimizer(engine);
        assertThatThrownBy(() ->
                        optimizer.optimize(new TableName("shop", "missing"), new TableLayout(List.of("id"), List.of())))
                .isInstanceOf(DuckbridgeException.class)
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.NOT_FOUND));
        assertThatThrownBy(() -> optimizer.optimize(
                        new TableName("shop", "Orders"), new TableLayout(List.of("created_at"), List.of())))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("\"created_at\"")
                .satisfies(
                        e -> assertThat(((DuckbridgeException) e).errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST));
        assertThat(outOfOrder())
                .as("a rejected layout leaves the table as it was")
                .isPositive();
    }

    /** Rows whose sort key is smaller than the previous row's, in storage order. */
    private long outOfOrder() {
        return Long.parseLong(scalar("SELECT count(*) FROM (SELECT \"created at\" < lag(\"created at\") OVER"
                + " (ORDER BY rowid) AS back FROM shop.\"Orders\") WHERE back"));
    }

    private String scalar(String sql) {
        return engine.read(session -> {
            try (Statement st = session.statement();
                    ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            }
        });
    }
}
