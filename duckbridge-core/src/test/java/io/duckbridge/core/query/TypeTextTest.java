package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TypeTextTest {
    @Test
    void replacesTypesButNeverQuotedNamesOrLabels() {
        String type =
                "STRUCT(\"TIME\" TIME WITH TIME ZONE, ts TIMESTAMP WITH TIME ZONE, e ENUM('BIT', 'it''s, INTERVAL'),"
                        + " \"a\"\"INTERVAL\" INTERVAL[], h HUGEINT, d DECIMAL(10,2))[]";
        assertThat(TypeText.map(type, name -> switch (name) {
                    case "TIMETZ", "ENUM", "INTERVAL", "BIT" -> "VARCHAR";
                    case "HUGEINT" -> "DECIMAL(38,0)";
                    default -> null;
                }))
                .isEqualTo("STRUCT(\"TIME\" VARCHAR, ts TIMESTAMP WITH TIME ZONE, e VARCHAR,"
                        + " \"a\"\"INTERVAL\" VARCHAR[], h DECIMAL(38,0), d DECIMAL(10,2))[]");
        assertThat(TypeText.mentions(type, "TIMESTAMPTZ")).isTrue();
        assertThat(TypeText.mentions(type, "BIT")).isFalse();
        assertThat(TypeText.mentions("MAP(VARCHAR, TIME)", "TIME")).isTrue();
        assertThat(TypeText.nested("INTEGER[3]")).isTrue();
        assertThat(TypeText.nested("DECIMAL(10,2)")).isFalse();
        assertThat(TypeText.map("ENUM", n -> n.equals("ENUM") ? "VARCHAR" : null))
                .isEqualTo("VARCHAR");
    }
}
