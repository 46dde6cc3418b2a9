package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlTextTest {
    @Test
    void dropsFinalSemicolonsAndWhatFollowsThem() {
        assertThat(SqlText.withoutTrailingSemicolons("select 1;")).isEqualTo("select 1");
        assertThat(SqlText.withoutTrailingSemicolons("select 1 ; ;\n")).isEqualTo("select 1");
        assertThat(SqlText.withoutTrailingSemicolons("select date '2024-01-01' d; -- trailing"))
                .isEqualTo("select date '2024-01-01' d");
        assertThat(SqlText.withoutTrailingSemicolons("select 1; /* c; */ ")).isEqualTo("select 1");
        assertThat(SqlText.withoutTrailingSemicolons("select 1 -- no semicolon; here"))
                .isEqualTo("select 1 -- no semicolon; here");
    }

    @Test
    void aSemicolonInAStringANameOrACommentIsText() {
        assertThat(SqlText.withoutTrailingSemicolons("select ';'")).isEqualTo("select ';'");
        assertThat(SqlText.withoutTrailingSemicolons("select 'it''s;'")).isEqualTo("select 'it''s;'");
        assertThat(SqlText.withoutTrailingSemicolons("select 1 as \"a;\"")).isEqualTo("select 1 as \"a;\"");
        assertThat(SqlText.withoutTrailingSemicolons("select $$x;$$")).isEqualTo("select $$x;$$");
        assertThat(SqlText.withoutTrailingSemicolons("select $t$x;$t$;")).isEqualTo("select $t$x;$t$");
        assertThat(SqlText.withoutTrailingSemicolons("select 1 /* a /* nested; */ still; */"))
                .isEqualTo("select 1 /* a /* nested; */ still; */");
        assertThat(SqlText.withoutTrailingSemicolons("select $1;")).isEqualTo("select $1");
    }
}
