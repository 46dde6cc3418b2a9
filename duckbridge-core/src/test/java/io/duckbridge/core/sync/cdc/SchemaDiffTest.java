package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.schema.TypeMapping;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchemaDiffTest {
    private static final SourceTable BEFORE = new SourceTable(
            "public",
            "orders",
            List.of(
                    new SourceTable.Column("id", 20, -1, 1),
                    new SourceTable.Column("qty", 23, -1, 2),
                    new SourceTable.Column("note", 25, -1, 3)),
            List.of(0));

    @Test
    void addsColumnsAppendedAtTheEnd() {
        var after = List.of(col("id", 20, 1), col("qty", 23, 2), col("note", 25, 3), col("extra", 1043, 4));
        assertThat(SchemaDiff.statements(BEFORE, after, Set.of(), TypeMapping.defaults()))
                .containsExactly("ALTER TABLE \"public\".\"orders\" ADD COLUMN \"extra\" VARCHAR");
    }

    @Test
    void copiesAgainWhenAnAddedColumnHasADefault() {
        var after = List.of(col("id", 20, 1), col("qty", 23, 2), col("note", 25, 3), col("flag", 16, 4));
        assertThat(SchemaDiff.statements(BEFORE, after, Set.of("flag"), TypeMapping.defaults()))
                .isNull();
    }

    @Test
    void tellsRenameFromDropPlusAddByColumnNumber() {
        var renamed = List.of(col("id", 20, 1), col("qty", 23, 2), col("remark", 25, 3));
        assertThat(SchemaDiff.statements(BEFORE, renamed, Set.of(), TypeMapping.defaults()))
                .containsExactly("ALTER TABLE \"public\".\"orders\" RENAME COLUMN \"note\" TO \"remark\"");
        var droppedAndAdded = List.of(col("id", 20, 1), col("qty", 23, 2), col("remark", 25, 4));
        assertThat(SchemaDiff.statements(BEFORE, droppedAndAdded, Set.of(), TypeMapping.defaults()))
                .containsExactly(
                        "ALTER TABLE \"public\".\"orders\" DROP COLUMN \"note\"",
                        "ALTER TABLE \"public\".\"orders\" ADD COLUMN \"remark\" VARCHAR");
    }

    @Test
    void widensButDoesNotNarrow() {
        var widened = List.of(col("id", 20, 1), col("qty", 20, 2), col("note", 25, 3));
        assertThat(SchemaDiff.statements(BEFORE, widened, Set.of(), TypeMapping.defaults()))
                .containsExactly("ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"qty\" SET DATA TYPE BIGINT");
        var narrowed = List.of(col("id", 20, 1), col("qty", 21, 2), col("note", 25, 3));
        assertThat(SchemaDiff.statements(BEFORE, narrowed, Set.of(), TypeMapping.defaults()))
                .isNull();
        var retyped = List.of(col("id", 20, 1), col("qty", 23, 2), col("note", 23, 3));
        assertThat(SchemaDiff.statements(BEFORE, retyped, Set.of(), TypeMapping.defaults()))
                .isNull();
    }

    @Test
    void mapsTypesAsTheSyncFeatureDoesAndWidensDecimals() {
        int numeric10x2 = ((10 << 16) | 2) + 4;
        int numeric12x3 = ((12 << 16) | 3) + 4;
        var table = new io.duckbridge.core.schema.TableName("public", "orders");
        assertThat(new SourceTable.Column("n", 1700, numeric10x2)
                        .mapping(table, TypeMapping.defaults())
                        .duckDbType())
                .isEqualTo("DECIMAL(10,2)");
        // unconstrained numeric stays exact, as in a sync, instead of becoming DOUBLE
        assertThat(new SourceTable.Column("n", 1700, -1)
                        .mapping(table, TypeMapping.defaults())
                        .duckDbType())
                .isEqualTo("DECIMAL(38,9)");
        assertThat(new SourceTable.Column("a", 1007, -1)
                        .mapping(table, TypeMapping.defaults())
                        .duckDbType())
                .isEqualTo("INTEGER[]");
        assertThat(SchemaDiff.widens("DECIMAL(10,2)", "DECIMAL(12,3)")).isTrue();
        assertThat(SchemaDiff.widens("DECIMAL(10,2)", "DECIMAL(38,9)")).isTrue();
        assertThat(SchemaDiff.widens("DECIMAL(12,3)", "DECIMAL(10,2)")).isFalse();
        assertThat(SchemaDiff.widens("FLOAT", "DOUBLE")).isTrue();
        assertThat(SchemaDiff.widens("BIGINT", "INTEGER")).isFalse();
    }

    @Test
    void storesColumnsWithNumbersAndDimensions() {
        var columns = List.of(
                new SourceTable.Column("a:b", 1007, -1, 3, 2, BuiltinTypes.of(1007, -1)),
                new SourceTable.Column("n", 1700, 655366, 4));
        var table = new SourceTable("public", "t", columns, List.of(1));
        assertThat(SourceTable.decodeColumns(table.encodeColumns())).isEqualTo(columns);
    }

    private static SourceTable.Column col(String name, int oid, int attnum) {
        return new SourceTable.Column(name, oid, -1, attnum);
    }
}
