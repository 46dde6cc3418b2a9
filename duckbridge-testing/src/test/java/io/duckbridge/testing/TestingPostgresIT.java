package io.duckbridge.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TestingPostgresIT {
    @Test
    void startsARealPostgresWithLogicalWal() {
        try (var pg = TestingPostgres.start()) {
            pg.execute("CREATE TABLE t(i int); INSERT INTO t VALUES (1), (2)");
            assertThat(pg.query("SELECT sum(i) FROM t").get(0).get(0)).isEqualTo(3L);
            assertThat(pg.query("SHOW wal_level").get(0).get(0)).isEqualTo("logical");
            assertThat(pg.query("SHOW server_version").get(0).get(0).toString()).startsWith("17.");
        }
    }
}
