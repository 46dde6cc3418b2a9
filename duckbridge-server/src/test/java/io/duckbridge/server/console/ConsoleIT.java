package io.duckbridge.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.server.DuckbridgeApplication;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
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
import org.openqa.selenium.support.ui.Select;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The console in a real headless Chromium against one running server (demo mode, so a source PostgreSQL is
 * there) that requires API keys: an admin key and a reader key. Each test leaves a screenshot of its screen
 * under {@code target/screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ConsoleIT {
    static final String ADMIN_KEY = "console-admin-key";
    static final String READER_KEY = "console-reader-key";

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
                "--duckbridge.demo.orders=2000",
                "--duckbridge.security.api-keys[0].name=ops",
                "--duckbridge.security.api-keys[0].sha256=" + sha256(ADMIN_KEY),
                "--duckbridge.security.api-keys[0].role=admin",
                "--duckbridge.security.api-keys[1].name=analyst",
                "--duckbridge.security.api-keys[1].sha256=" + sha256(READER_KEY),
                "--duckbridge.security.api-keys[1].role=reader");
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

    private static String sha256(String key) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** Opens a view signed in with the admin key, as if it had been typed into the prompt before. */
    private void open(String view) {
        browser.driver.get(base + "/console/console.css");
        browser.script("sessionStorage.setItem('duckbridge.apiKey', arguments[0])", ADMIN_KEY);
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
        By row = By.cssSelector("#jobs tr[data-job='" + job.jobId() + "']");
        browser.await(10, d -> "100".equals(d.findElement(bar).getDomAttribute("aria-valuenow")));
        browser.await(
                5,
                d -> "succeeded".equals(d.findElement(row).getDomAttribute("data-status"))
                        && d.findElement(row).getText().contains("10 / 10 tables"));
        assertThat(browser.driver.findElement(By.id("health-status")).getText()).isEqualTo("UP");
        browser.screenshot("operations");
    }

    @Test
    void startsASyncWhoseProgressBarReachesOneHundredPercentAndTheCatalogShowsTheTable() {
        open("operations");
        browser.driver.findElement(By.id("sync-table")).sendKeys("shop.orders");
        new Select(browser.driver.findElement(By.id("sync-mode"))).selectByVisibleText("full");
        browser.driver.findElement(By.id("sync-start")).click();
        By watched = By.cssSelector("#job-watch .watched");
        browser.await(10, d -> d.findElement(watched).getDomAttribute("data-job") != null);
        browser.await(60, d -> "succeeded".equals(d.findElement(watched).getDomAttribute("data-status")));
        assertThat(browser.driver
                        .findElement(By.cssSelector("#job-watch .watched .progress"))
                        .getDomAttribute("aria-valuenow"))
                .isEqualTo("100");
        browser.screenshot("operations-sync");

        open("catalog");
        browser.await(10, d -> d.findElement(By.cssSelector("#catalog-tables a[data-table='shop.orders']")))
                .click();
        browser.await(
                10,
                d -> d.findElement(By.cssSelector("#catalog-detail h2"))
                        .getText()
                        .equals("shop.orders"));
        assertThat(browser.driver
                        .findElement(By.cssSelector("#catalog-detail dl"))
                        .getText())
                .contains("2,000");
        List<List<String>> columns = browser.driver.findElements(By.cssSelector("#catalog-detail tbody tr")).stream()
                .map(row -> texts(row.findElements(By.tagName("td"))))
                .toList();
        assertThat(columns).anySatisfy(c -> assertThat(c.subList(0, 2)).containsExactly("total", "DECIMAL(12,2)"));
        assertThat(columns).anySatisfy(c -> {
            assertThat(c.get(0)).isEqualTo("total");
            assertThat(c.get(2)).containsIgnoringCase("numeric");
        });
        browser.screenshot("catalog");
    }

    @Test
    void asksForAKeyAndShowsAReaderNoAdminActions() {
        browser.driver.get(base + "/console/console.css");
        browser.script("sessionStorage.clear()");
        browser.driver.get(base + "/#operations");
        WebElement key = browser.await(
                20, d -> d.findElement(By.id("api-key")).isDisplayed() ? d.findElement(By.id("api-key")) : null);
        browser.screenshot("sign-in");
        key.sendKeys(READER_KEY);
        browser.driver.findElement(By.id("login-submit")).click();
        browser.await(20, d -> d.findElement(By.id("whoami")).getText().equals("analyst · reader"));
        browser.await(10, d -> d.findElement(By.id("health-status")).isDisplayed());
        assertThat(browser.driver.findElements(By.cssSelector(".admin-only")).stream()
                        .filter(WebElement::isDisplayed)
                        .toList())
                .isEmpty();
        assertThat(browser.driver.findElement(By.id("sync-start")).isDisplayed())
                .isFalse();
        browser.screenshot("operations-reader");

        browser.driver.get(base + "/console/console.css");
        browser.script("sessionStorage.setItem('duckbridge.apiKey', arguments[0])", ADMIN_KEY);
        browser.driver.get(base + "/#operations");
        browser.await(20, d -> d.findElement(By.id("whoami")).getText().equals("ops · admin"));
        assertThat(browser.driver.findElement(By.id("sync-start")).isDisplayed())
                .isTrue();
    }

    static List<String> texts(List<WebElement> elements) {
        return elements.stream().map(WebElement::getText).toList();
    }
}
