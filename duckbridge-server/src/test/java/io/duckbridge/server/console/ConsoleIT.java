package io.duckbridge.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.server.DuckbridgeApplication;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The console in a real headless Chromium against one running server (demo mode, so a source PostgreSQL is
 * there). Each test leaves a screenshot of its screen under {@code target/screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ConsoleIT {
    ConfigurableApplicationContext app;
    Browser browser;
    String base;

    @BeforeAll
    void start(@TempDir Path workDir) throws Exception {
        app = SpringApplication.run(
                DuckbridgeApplication.class,
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--duckbridge.data-dir=" + workDir.resolve("data"),
                "--duckbridge.demo.orders=2000");
        base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
        browser = new Browser();
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (app != null) {
                app.close();
            }
        }
    }

    private void open(String view) {
        browser.driver.get(base + "/#" + view);
        browser.await(
                20,
                d -> d.findElement(By.id("view-" + view)).isDisplayed()
                        && !d.findElement(By.tagName("body"))
                                .getDomAttribute("data-role")
                                .isEmpty());
    }

    @Test
    void servesItsLibrariesFromTheServerItself() {
        open("query");
        assertThat(browser.script("return typeof CodeMirror + ' ' + typeof Chart"))
                .isEqualTo("function function");
        assertThat(browser.driver.findElements(By.cssSelector(".CodeMirror"))).hasSize(1);
    }

    @Test
    void jobProgressBarMovesLiveUntilItReachesOneHundredPercent() throws Exception {
        CountDownLatch half = new CountDownLatch(1);
        CountDownLatch rest = new CountDownLatch(1);
        Job job = app.getBean(JobRunner.class).submit(JobKind.SYNC, "console progress check", context -> {
            context.total(10, "tables");
            context.advance(5);
            half.countDown();
            if (!rest.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the job finish");
            }
            context.advance(5);
            return Map.of("tables", 10);
        });
        assertThat(half.await(30, TimeUnit.SECONDS)).isTrue();
        open("operations");
        By bar = By.cssSelector("#jobs tr[data-job='" + job.jobId() + "'] .progress");
        browser.await(10, d -> "50".equals(d.findElement(bar).getDomAttribute("aria-valuenow")));
        browser.screenshot("operations-running");
        rest.countDown();
        browser.await(10, d -> "100".equals(d.findElement(bar).getDomAttribute("aria-valuenow")));
        WebElement row = browser.driver.findElement(By.cssSelector("#jobs tr[data-job='" + job.jobId() + "']"));
        assertThat(row.getDomAttribute("data-status")).isEqualTo("succeeded");
        assertThat(row.getText()).contains("10 / 10 tables");
        assertThat(browser.driver.findElement(By.id("health-status")).getText()).isEqualTo("UP");
        browser.screenshot("operations");
    }

    @Test
    void withoutAuthenticationTheCallerMayTakeAdminActions() {
        open("operations");
        assertThat(browser.driver.findElement(By.id("whoami")).getText()).isEqualTo("anonymous · admin");
        assertThat(browser.driver.findElement(By.id("sync-start")).isDisplayed())
                .isTrue();
    }

    static List<String> texts(List<WebElement> elements) {
        return elements.stream().map(WebElement::getText).toList();
    }
}
