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
}
