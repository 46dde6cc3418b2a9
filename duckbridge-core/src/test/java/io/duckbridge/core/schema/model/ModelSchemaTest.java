package io.duckbridge.core.schema.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.engine.EngineSettings;
import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.schema.TableName;
import io.duckbridge.core.schema.TypeMapping;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ModelSchemaTest {
    enum Status {
        NEW,
        SENT
    }

    record Address(String street, int zip) {}

    record Shipment(
            UUID id,
            String carrier,
            BigDecimal weight,
            int parcels,
            Instant shippedAt,
            LocalDate due,
            List<String> tags,
            int[][] grid,
            Status status,
            byte[] label,
            Address address) {}

    @Entity
    static class Customer {
        @Id
        long id;

        String name;
    }

    @Entity
    @Table(name = "customer_orders", schema = "sales")
    static class CustomerOrder {
        @Id
        Long id;

        @Column(nullable = false, precision = 12, scale = 2)
        BigDecimal total;

        @Column(name = "\"Note\"", length = 80)
        String note;

        @Enumerated(EnumType.STRING)
        Status status;

        Status stage;

        @ManyToOne
        @JoinColumn(name = "customer_id", nullable = false)
        Customer customer;

        @OneToMany
        List<CustomerOrder> children;

        @Transient
        String cache;

        transient int scratch;

        LocalDateTime createdAt;

        static int counter;
    }

    record Unsupported(long id, Optional<String> name) {}

    @Test
    void aRecordMapsThroughTheSyncTypeMapping() {
        ModelSchema model = ModelSchema.of(Shipment.class);
        assertThat(model.name()).isEqualTo(new TableName("public", "shipment"));
        assertThat(model.primaryKey()).containsExactly("id");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("id", "UUID");
        expected.put("carrier", "VARCHAR");
        expected.put("weight", "DECIMAL(38,9)");
        expected.put("parcels", "INTEGER");
        expected.put("shipped_at", "TIMESTAMPTZ");
        expected.put("due", "DATE");
        expected.put("tags", "VARCHAR[]");
        expected.put("grid", "INTEGER[][]");
        expected.put("status", "ENUM('NEW', 'SENT')");
        expected.put("label", "BLOB");
        expected.put("address", "STRUCT(\"street\" VARCHAR, \"zip\" INTEGER)");
        assertThat(model.duckDbTypes(TypeMapping.defaults())).containsExactlyEntriesOf(expected);
        assertThat(model.columns().stream().filter(c -> !c.nullable()).map(ModelColumn::name))
                .containsExactly("id", "parcels");
    }

    @Test
    void anEntityReadsItsJpaAnnotations() {
        ModelSchema model = ModelSchema.of(CustomerOrder.class);
        assertThat(model.name()).isEqualTo(new TableName("sales", "customer_orders"));
        assertThat(model.primaryKey()).containsExactly("id");
        assertThat(model.duckDbTypes(TypeMapping.defaults()))
                .containsExactly(
                        Map.entry("id", "BIGINT"),
                        Map.entry("total", "DECIMAL(12,2)"),
                        Map.entry("Note", "VARCHAR"),
                        Map.entry("status", "VARCHAR"),
                        Map.entry("stage", "SMALLINT"),
                        Map.entry("customer_id", "BIGINT"),
                        Map.entry("created_at", "TIMESTAMP"));
        assertThat(model.columns().stream().filter(c -> !c.nullable()).map(ModelColumn::name))
                .containsExactly("id", "total", "customer_id");
        assertThat(model.asSourceTable().column("Note").orElseThrow().pgType()).isEqualTo("character varying(80)");
    }

    @Test
    void theDdlCreatesTheTableInDuckDb() {
        ModelSchema orders = ModelSchema.of(CustomerOrder.class);
        ModelSchema shipments = ModelSchema.of(Shipment.class);
        try (DuckDbEngine engine = DuckDbEngine.open(EngineSettings.defaults(EngineSettings.IN_MEMORY))) {
            engine.write(session -> {
                try (Statement st = session.statement()) {
                    st.execute(orders.ddl(TypeMapping.defaults()));
                    st.execute(shipments.ddl(TypeMapping.defaults()));
                }
                return null;
            });
            Map<String, String> described = engine.read(session -> {
                Map<String, String> out = new LinkedHashMap<>();
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery("SELECT column_name, data_type, is_nullable"
                                + " FROM information_schema.columns WHERE table_schema = 'sales'"
                                + " AND table_name = 'customer_orders' ORDER BY ordinal_position")) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3));
                    }
                }
                return out;
            });
            assertThat(described)
                    .containsExactly(
                            Map.entry("id", "BIGINT NO"),
                            Map.entry("total", "DECIMAL(12,2) NO"),
                            Map.entry("Note", "VARCHAR YES"),
                            Map.entry("status", "VARCHAR YES"),
                            Map.entry("stage", "SMALLINT YES"),
                            Map.entry("customer_id", "BIGINT NO"),
                            Map.entry("created_at", "TIMESTAMP YES"));
            long shipmentColumns = engine.read(session -> {
                try (Statement st = session.statement();
                        ResultSet rs = st.executeQuery(
                                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'shipment'")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(shipmentColumns).isEqualTo(11);
        }
    }

    @Test
    void aFieldWithoutAPostgresEquivalentIsNamedWithTheFix() {
        assertThatThrownBy(() -> ModelSchema.of(Unsupported.class))
                .isInstanceOf(DuckbridgeException.class)
                .hasMessageContaining("field name")
                .hasMessageContaining("Optional")
                .hasMessageContaining("@Transient");
    }

    @Test
    void namesFoldLikePostgres() {
        assertThat(ModelSchema.snake("orderLine")).isEqualTo("order_line");
        assertThat(ModelSchema.snake("HTTPStatus")).isEqualTo("http_status");
        assertThat(ModelSchema.physical("\"Mixed Case\"")).isEqualTo("Mixed Case");
        assertThat(ModelSchema.physical("createdAt")).isEqualTo("created_at");
    }
}
