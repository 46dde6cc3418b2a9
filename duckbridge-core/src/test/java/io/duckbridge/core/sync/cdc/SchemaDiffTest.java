package io.duckbridge.core.sync.cdc;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(SchemaDiff.statements(BEFORE, after, Set.of()))
                .containsExactly("ALTER TABLE \"public\".\"orders\" ADD COLUMN \"extra\" VARCHAR");
    }

    @Test
    void copiesAgainWhenAnAddedColumnHasADefault() {
        var after = List.of(col("id", 20, 1), col("qty", 23, 2), col("note", 25, 3), col("flag", 16, 4));
        assertThat(SchemaDiff.statements(BEFORE, after, Set.of("flag"))).isNull();
    }

    @Test
    void tellsRenameFromDropPlusAddByColumnNumber() {
        var renamed = List.of(col("id", 20, 1), col("qty", 23, 2), col("remark", 25, 3));
        assertThat(SchemaDiff.statements(BEFORE, renamed, Set.of()))
                .containsExactly("ALTER TABLE \"public\".\"orders\" RENAME COLUMN \"note\" TO \"remark\"");
        var droppedAndAdded = List.of(col("id", 20, 1), col("qty", 23, 2), col("remark", 25, 4));
        assertThat(SchemaDiff.statements(BEFORE, droppedAndAdded, Set.of()))
                .containsExactly(
                        "ALTER TABLE \"public\".\"orders\" DROP COLUMN \"note\"",
                        "ALTER TABLE \"public\".\"orders\" ADD COLUMN \"remark\" VARCHAR");
    }

    @Test
    void widensButDoesNotNarrow() {
        var widened = List.of(col("id", 20, 1), col("qty", 20, 2), col("note", 25, 3));
        assertThat(SchemaDiff.statements(BEFORE, widened, Set.of()))
                .containsExactly("ALTER TABLE \"public\".\"orders\" ALTER COLUMN \"qty\" SET DATA TYPE BIGINT");
        var narrowed = List.of(col("id", 20, 1), col("qty", 21, 2), col("note", 25, 3));
        assertThat(SchemaDiff.statements(BEFORE, narrowed, Set.of())).isNull();
        var retyped = List.of(col("id", 20, 1), col("qty", 23, 2), col("note", 23, 3));
        assertThat(SchemaDiff.statements(BEFORE, retyped, Set.of())).isNull();
    }

    @Test
    void mapsNumericPrecisionAndWidensDecimals() {
        int numeric10x2 = ((10 << 16) | 2) + 4;
        int numeric12x3 = ((12 << 16) | 3) + 4;
        assertThat(ColumnType.of(1700, numeric10x2).duckType()).isEqualTo("DECIMAL(10,2)");
        assertThat(ColumnType.of(1700, -1).duckType()).isEqualTo("DOUBLE");
        assertThat(ColumnType.of(1700, numeric10x2).widensTo(ColumnType.of(1700, numeric12x3)))
                .isTrue();
        assertThat(ColumnType.of(1700, numeric12x3).widensTo(ColumnType.of(1700, numeric10x2)))
                .isFalse();
        assertThat(ColumnType.of(17, -1).fromText("x")).isEqualTo("from_hex(substr(x, 3))");
    }

    private static SourceTable.Column col(String name, int oid, int attnum) {
        return new SourceTable.Column(name, oid, -1, attnum);
    }
}
