package io.duckbridge.core.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.duckbridge.core.error.DuckbridgeException;
import io.duckbridge.core.error.ErrorClass;
import org.junit.jupiter.api.Test;

class RunningQueriesTest {
    @Test
    void aCallerCancelsOnlyItsOwnQueriesAndAnAdminAnyone() {
        RunningQueries running = new RunningQueries();
        try (var alices = running.register("dash-7", "alice");
                var bobs = running.register("dash-7", "bob")) {
            assertThat(running.size()).isEqualTo(2);
            assertThat(running.cancel("dash-7", "carol", false)).isZero();
            assertThat(running.cancel("dash-7", "alice", false)).isEqualTo(1);
            assertThatThrownBy(alices::refuseIfCancelled)
                    .isInstanceOfSatisfying(
                            DuckbridgeException.class,
                            e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.CANCELLED));
            bobs.refuseIfCancelled(); // bob's is still running
            assertThat(running.cancel("dash-7", "carol", true)).isEqualTo(2);
            assertThat(running.cancel("other-id", null, true)).isZero();
        }
        // ended queries are forgotten: nothing is left to cancel
        assertThat(running.size()).isZero();
        assertThat(running.cancel("dash-7", null, true)).isZero();
    }
}
