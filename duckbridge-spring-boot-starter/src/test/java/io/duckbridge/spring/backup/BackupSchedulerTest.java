package io.duckbridge.spring.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BackupSchedulerTest {
    @Test
    void runsTheActionAtEachCronTimeUntilStoppedAndSurvivesAFailingRun() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch twice = new CountDownLatch(2);
        var scheduler = new BackupScheduler("restore drill", "duckbridge.backup.drill-schedule", "* * * * * *", () -> {
            runs.incrementAndGet();
            twice.countDown();
            throw new IllegalStateException("this run fails; the next one still comes");
        });
        assertThat(scheduler.isRunning()).isFalse();
        scheduler.start();
        try {
            assertThat(scheduler.isRunning()).isTrue();
            assertThat(twice.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            scheduler.stop();
        }
        assertThat(scheduler.isRunning()).isFalse();
        int afterStop = runs.get();
        Thread.sleep(1_500);
        assertThat(runs.get()).isEqualTo(afterStop);
    }

    @Test
    void anExpressionThatIsNotCronIsRefused() {
        assertThatThrownBy(() -> new BackupScheduler("backups", "duckbridge.backup.schedule", "0 0 3 * *", () -> {}))
                .isInstanceOf(io.duckbridge.core.error.DuckbridgeException.class)
                .hasMessageStartingWith("duckbridge.backup.schedule \"0 0 3 * *\" is not a cron expression")
                .hasMessageContaining("e.g. 0 0 3 * * *");
    }
}
