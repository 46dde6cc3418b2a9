package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QueryRecorderTest {
    @Test
    void normalizedSqlHasNoLiteralsOfAnyQuoting() {
        assertThat(QueryRecorder.normalize("select 'secret' as a, 42 as b -- note\n from t where c = $1"))
                .isEqualTo("select ? as a, ? as b from t where c = $1");
        assertThat(QueryRecorder.normalize("select $$my-secret-token$$ as t, $tag$other $ secret$tag$ as u, $name"))
                .isEqualTo("select ? as t, ? as u, $name");
    }

    @Test
    void quotedIdentifiersAndEscapedStringsDoNotShiftTheQuotesAndLeakValues() {
        // found by an acceptance tester: a regex normalizer paired the quote inside "a'b" with the next literal's
        assertThat(QueryRecorder.normalize("SELECT 1 AS \"a'b\", 2 AS c FROM customers WHERE email = 'bob@example.com'"
                        + " AND name = 'Bob Secret' LIMIT 1"))
                .isEqualTo("SELECT ? AS \"a'b\", ? AS c FROM customers WHERE email = ? AND name = ? LIMIT ?");
        assertThat(QueryRecorder.normalize("SELECT E'esc\\'aped', e'x\\\\', 'later-secret', X'DEADBEEF', B'0101' AS e"))
                .isEqualTo("SELECT ?, ?, ?, ?, ? AS e");
        assertThat(QueryRecorder.normalize("SELECT \"my\"\"col\" FROM t WHERE '--not a comment' <> '/* nor this */'"))
                .isEqualTo("SELECT \"my\"\"col\" FROM t WHERE ? <> ?");
        assertThat(QueryRecorder.normalize(
                        "SELECT /* a /* nested */ 'still comment' */ .5, 1e-3, 0x1F, 1_000, t1.c2 FROM t1"))
                .isEqualTo("SELECT ?, ?, ?, ?, t1.c2 FROM t1");
        assertThat(QueryRecorder.normalize("SELECT {'k': 'structsecret'} AS s, [1, 2] AS l, ?::DECIMAL(18,2)"))
                .isEqualTo("SELECT {?: ?} AS s, [?, ?] AS l, ?::DECIMAL(?,?)");
        assertThat(QueryRecorder.normalize("SELECT 'unterminated secret")).isEqualTo("SELECT ?");
        assertThat(QueryRecorder.normalize("SELECT a$b, $1, $p FROM t")).isEqualTo("SELECT a$b, $1, $p FROM t");
    }
}
