package io.duckbridge.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.schema.model.ModelSchema;
import io.duckbridge.core.schema.model.SchemaMismatch;
import io.duckbridge.core.schema.model.SchemaMismatch.Kind;
import io.duckbridge.testing.TestingPostgres;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Models compared with the real PostgreSQL catalog, through the same type mapping the sync uses. */
@Timeout(120)
class ModelSchemaIT {
    static TestingPostgres pg;

    enum Stage {
        OPEN,
        PAID
    }

    @Entity
    @Table(name = "Invoices", schema = "billing")
    static class Invoice {
        @Id
        long id;

        @Column(nullable = false, precision = 12, scale = 2)
        BigDecimal amount;

        @Enumerated(EnumType.STRING)
        Stage stage;

        @Column(name = "\"Customer Ref\"", length = 40)
        String customerRef;

        Instant issuedAt;

        List<String> tags;
    }

    record Parcel(UUID id, String carrier, BigDecimal weight, int pieces, Instant shippedAt) {}

    @BeforeAll
    static void start() {
        pg = TestingPostgres.start();
        pg.execute("CREATE SCHEMA billing");
        pg.execute("CREATE TYPE stage AS ENUM ('OPEN', 'PAID')");
        pg.execute("CREATE TABLE billing.invoices (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL,"
                + " stage varchar(255), \"Customer Ref\" varchar(40), issued_at timestamptz, tags text[])");
        pg.execute("CREATE TABLE parcel (id uuid, carrier text, weight numeric(10,3), pieces integer,"
                + " received_at timestamptz)");
    }

    @AfterAll
    static void stop() {
        pg.close();
    }

    private static List<SchemaMismatch> compare(Class<?> type) throws Exception {
        ModelSchema model = ModelSchema.of(type);
        try (Connection c = pg.connect()) {
            SourceTable table = new CatalogReader().read(c, model.name()).orElse(null);
            return model.compare(table, TypeMapping.defaults());
        }
    }

    @Test
    void aModelThatMatchesItsTableHasNoMismatches() throws Exception {
        assertThat(compare(Invoice.class)).isEmpty();
    }

    @Test
    void everyDifferenceIsReportedWithItsFix() throws Exception {
        List<SchemaMismatch> found = compare(Parcel.class);
        assertThat(found)
                .extracting(SchemaMismatch::column, SchemaMismatch::kind)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("id", Kind.NULLABILITY),
                        org.assertj.core.groups.Tuple.tuple("weight", Kind.TYPE),
                        org.assertj.core.groups.Tuple.tuple("pieces", Kind.NULLABILITY),
                        org.assertj.core.groups.Tuple.tuple("shipped_at", Kind.MISSING_IN_POSTGRES),
                        org.assertj.core.groups.Tuple.tuple("received_at", Kind.MISSING_IN_MODEL),
                        org.assertj.core.groups.Tuple.tuple(null, Kind.PRIMARY_KEY));
        SchemaMismatch weight =
                found.stream().filter(m -> m.kind() == Kind.TYPE).findFirst().orElseThrow();
        assertThat(weight.model()).isEqualTo("DECIMAL(38,9) (from numeric)");
        assertThat(weight.postgres()).isEqualTo("DECIMAL(10,3) (from numeric(10,3))");
        assertThat(weight.hint()).contains("numeric(10,3)");
    }

    @Test
    void aMissingTableIsOneMismatch() throws Exception {
        record Nowhere(long id) {}
        assertThat(compare(Nowhere.class)).extracting(SchemaMismatch::kind).containsExactly(Kind.TABLE_MISSING);
    }
}
