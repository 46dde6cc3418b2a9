package io.duckbridge.spring.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The body of {@code POST /api/v1/query} as JSON arrives: wrong types are refused, not ignored. */
class QueryBodyTest {

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) {
        return JsonMapper.shared().readValue(text, Map.class);
    }

    @Test
    void readsTheLimits() {
        var request = QueryController.request(json("{\"sql\":\"SELECT 1\",\"maxRows\":5,\"timeoutMs\":1500}"));
        assertThat(request.maxRows()).isEqualTo(5);
        assertThat(request.timeout()).isEqualTo(Duration.ofMillis(1500));
        var defaults = QueryController.request(json("{\"sql\":\"SELECT 1\",\"maxRows\":null}"));
        assertThat(defaults.maxRows()).isNull();
        assertThat(defaults.timeout()).isNull();
    }

    @Test
    void refusesLimitsThatAreNotWholeNumbers() {
        assertThatThrownBy(() -> QueryController.request(json("{\"sql\":\"SELECT 1\",\"maxRows\":\"abc\"}")))
                .isInstanceOfSatisfying(
                        DuckbridgeException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_REQUEST))
                .hasMessage("\"maxRows\" must be a whole number, not \"abc\"; use e.g. 10000");
        assertThatThrownBy(() -> QueryController.request(json("{\"sql\":\"SELECT 1\",\"timeoutMs\":1.5}")))
                .hasMessage("\"timeoutMs\" must be a whole number, not 1.5; use e.g. 30000");
    }

    @Test
    void aHugeMaxRowsIsClampedNotWrappedAround() {
        var request = QueryController.request(json("{\"sql\":\"SELECT 1\",\"maxRows\":99999999999999999999}"));
        assertThat(request.maxRows()).isEqualTo(Integer.MAX_VALUE);
    }
}
