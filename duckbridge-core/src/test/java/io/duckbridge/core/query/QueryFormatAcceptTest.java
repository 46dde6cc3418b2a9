package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class QueryFormatAcceptTest {

    @ParameterizedTest
    @CsvSource(
            delimiterString = "=>",
            value = {
                "application/json => JSON",
                "text/csv => CSV",
                "TEXT/CSV; charset=utf-8 => CSV",
                "application/x-ndjson => NDJSON",
                "application/vnd.apache.arrow.stream => ARROW",
                "application/vnd.apache.parquet => PARQUET",
                "application/parquet => PARQUET",
                "*/* => JSON",
                "application/* => JSON",
                "text/* => CSV",
                // the highest quality wins, not the first listed
                "'text/csv;q=0.5, application/json' => JSON",
                "'application/json;q=0.2, text/csv;q=0.9' => CSV",
                "'application/x-ndjson, */*;q=0.1' => NDJSON",
                // the most specific range sets a format's quality: JSON is excluded although */* accepts anything
                "'application/json;q=0, */*' => NDJSON",
                "'application/vnd.apache.arrow.file, text/csv' => CSV",
                // equal quality: the range listed first
                "'text/csv, application/json' => CSV",
                "'text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8' => JSON"
            })
    void picksTheAcceptedFormatWithTheHighestQuality(String accept, QueryFormat expected) {
        assertThat(QueryFormat.fromAccept(accept)).isEqualTo(expected);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  "})
    void defaultsToJson(String accept) {
        assertThat(QueryFormat.fromAccept(accept)).isEqualTo(QueryFormat.JSON);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"application/xml", "image/png, text/html", "text/csv;q=0", "application/vnd.apache.arrow.file"})
    void acceptsNothingItCannotProduce(String accept) {
        assertThat(QueryFormat.fromAccept(accept)).isNull();
    }
}
