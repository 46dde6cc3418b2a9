package io.duckbridge.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class ReusedStatementsTest {
    @TempDir
    Path dir;

    /** One reader of each kind, so every read of a kind below runs on the same connection. */
    private DuckDbEngine open() {
        return DuckDbEngine.open(
                EngineSettings.defaults(dir.resolve("test.duckdb").toString())
                        .withThreads(2)
                        .withReaders(1, 10));
    }

    private static PreparedStatement reused(DuckDbEngine engine, String sql) {
        return engine.stream(Duration.ofSeconds(30), session -> session.prepareCached(sql));
    }

    /** The type of column 2, then {@code id=v} per row, from the reused statement for {@code sql}. */
    private static List<String> typeAndRows(DuckDbEngine engine, String sql, long below) {
        return engine.stream(Duration.ofSeconds(30), session -> {
            PreparedStatement ps = session.prepareCached(sql);
            ps.setLong(1, below);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                out.add(rs.getMetaData().getColumnTypeName(2));
                while (rs.next()) {
                    out.add(rs.getString(1) + "=" + rs.getString(2));
                }
            }
            return out;
        });
    }

    @Test
    void reusesTheStatementPreparedFromTheSameText() {
        try (var engine = open()) {
            PreparedStatement first = reused(engine, "SELECT 1");
            assertThat(reused(engine, "SELECT 1")).isSameAs(first);
            assertThat(reused(engine, "SELECT 1 ")).isNotSameAs(first);
            assertThat(reused(engine, "SELECT 1")).isSameAs(first);
        }
    }

    @Test
    void aReusedStatementAnswersLikeAFreshOneAfterItsTableIsReplacedOrDropped() throws Exception {
        try (var engine = open()) {
            String sql = "SELECT id, v FROM t WHERE id < ? ORDER BY id";
            engine.executeOnLane("CREATE TABLE t AS SELECT range AS id, 'a' || range AS v FROM range(5)");
            assertThat(typeAndRows(engine, sql, 2)).containsExactly("VARCHAR", "0=a0", "1=a1");
            PreparedStatement statement = reused(engine, sql);

            // the sync's swap replaces a table, possibly with other column types
            engine.executeOnLane("CREATE OR REPLACE TABLE t AS SELECT range AS id, range * 10 AS v FROM range(5)");
            assertThat(typeAndRows(engine, sql, 3)).containsExactly("BIGINT", "0=0", "1=10", "2=20");
            // prepared anew after the write: the driver keeps the columns it described at prepare time
            PreparedStatement afterWrite = reused(engine, sql);
            assertThat(afterWrite).isNotSameAs(statement);
            assertThat(reused(engine, sql)).isSameAs(afterWrite);
            statement = afterWrite;

            engine.executeOnLane("DROP TABLE t");
            DuckbridgeException fresh = catchError(() -> engine.read(Duration.ofSeconds(30), session -> {
                session.prepare(sql).executeQuery().close();
                return null;
            }));
            DuckbridgeException again = catchError(() -> typeAndRows(engine, sql, 3));
            assertThat(again.errorClass()).isEqualTo(fresh.errorClass());
            assertClosedSoon(statement);

            engine.executeOnLane("CREATE TABLE t AS SELECT range AS id, 'b' || range AS v FROM range(5)");
            assertThat(typeAndRows(engine, sql, 1)).containsExactly("VARCHAR", "0=b0");
        }
    }

    @Test
    void workThatFailsOrTimesOutDropsTheStatementsItReused() throws Exception {
        try (var engine = open()) {
            PreparedStatement failed = reused(engine, "SELECT 2");
            assertThatThrownBy(() -> engine.stream(Duration.ofSeconds(30), session -> {
                        session.prepareCached("SELECT 2");
                        throw new IllegalStateException("the work failed");
                    }))
                    .isInstanceOf(DuckbridgeException.class);
            assertClosedSoon(failed);
            assertThat(reused(engine, "SELECT 2")).isNotSameAs(failed);

            String runaway = "SELECT count(*) FROM range(1000000000000)";
            PreparedStatement cancelled = reused(engine, runaway);
            assertThatThrownBy(() -> engine.stream(Duration.ofMillis(500), session -> {
                        try (ResultSet rs = session.prepareCached(runaway).executeQuery()) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    }))
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.TIMEOUT));
            assertClosedSoon(cancelled);
            assertThat(select42(engine)).isEqualTo(42);
        }
    }

    @Test
    void keepsAtMostItsCapacityPerReaderClosingTheLeastRecentlyUsed() throws Exception {
        try (var engine = open()) {
            PreparedStatement oldest = reused(engine, "SELECT 0");
            PreparedStatement kept = reused(engine, "SELECT 1");
            for (int i = 2; i <= DuckDbEngine.STATEMENTS_PER_READER; i++) {
                reused(engine, "SELECT " + i);
                reused(engine, "SELECT 1"); // keeps "SELECT 1" recently used
            }
            assertThat(oldest.isClosed()).isTrue();
            assertThat(kept.isClosed()).isFalse();
            assertThat(reused(engine, "SELECT 1")).isSameAs(kept);
        }
    }

    @Test
    void plainAndStreamingReadersKeepTheirOwnStatementsAndTheLaneKeepsNone() throws Exception {
        try (var engine = open()) {
            PreparedStatement streaming = reused(engine, "SELECT 3");
            PreparedStatement plain = engine.read(Duration.ofSeconds(30), session -> session.prepareCached("SELECT 3"));
            assertThat(plain).isNotSameAs(streaming);
            PreparedStatement plainAgain =
                    engine.read(Duration.ofSeconds(30), session -> session.prepareCached("SELECT 3"));
            assertThat(plainAgain).isSameAs(plain);
            PreparedStatement onLane = engine.write(session -> session.prepareCached("SELECT 3"));
            assertClosedSoon(onLane);
        }
    }

    @Test
    void aResultLeftOpenIsClosedSoTheStreamingReaderStaysUsable() {
        try (var engine = open()) {
            engine.stream(Duration.ofSeconds(30), session -> {
                ResultSet rs =
                        session.prepareCached("SELECT * FROM range(10000000)").executeQuery();
                rs.next(); // left open on purpose
                return null;
            });
            assertThat(select42(engine)).isEqualTo(42);
        }
    }

    private static long select42(DuckDbEngine engine) {
        return engine.stream(Duration.ofSeconds(30), session -> {
            try (ResultSet rs = session.prepareCached("SELECT 42").executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /**
     * The engine closes a session's statements right after it completes the caller's future, so the
     * caller may look before the reader thread got there.
     */
    private static void assertClosedSoon(PreparedStatement ps) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ps.isClosed() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertThat(ps.isClosed()).as("closed within 10 s").isTrue();
    }

    private static DuckbridgeException catchError(Runnable body) {
        try {
            body.run();
        } catch (DuckbridgeException e) {
            return e;
        }
        throw new AssertionError("expected a DuckbridgeException");
    }
}
