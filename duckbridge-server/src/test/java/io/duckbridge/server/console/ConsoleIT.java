package io.duckbridge.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.duckbridge.core.engine.DuckDbEngine;
import io.duckbridge.core.error.ErrorClass;
import io.duckbridge.core.jobs.Job;
import io.duckbridge.core.jobs.JobKind;
import io.duckbridge.core.jobs.JobRunner;
import io.duckbridge.core.query.QueryRunner;
import io.duckbridge.core.source.PostgresSource;
import io.duckbridge.server.DuckbridgeApplication;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
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
import org.openqa.selenium.Keys;
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
                "--duckbridge.demo.initial-sync=false",
                "--duckbridge.security.api-keys[0].name=ops",
                "--duckbridge.security.api-keys[0].sha256=" + sha256(ADMIN_KEY),
                "--duckbridge.security.api-keys[0].role=admin",
                "--duckbridge.security.api-keys[1].name=analyst",
                "--duckbridge.security.api-keys[1].sha256=" + sha256(READER_KEY),
                "--duckbridge.security.api-keys[1].role=reader");
        app.getBean(DuckDbEngine.class).write(session -> {
            try (Statement st = session.statement()) {
                st.execute("CREATE TABLE console_cities (id INTEGER, name VARCHAR, country VARCHAR,"
                        + " population BIGINT, note VARCHAR)");
                st.execute("INSERT INTO console_cities VALUES (1, 'Tokyo', 'JP', 37400068, ''),"
                        + " (2, 'Delhi', 'IN', 28514000, NULL), (3, 'Mumbai', 'IN', 19980000, 'coastal'),"
                        + " (4, 'Osaka', 'JP', 19281000, NULL), (5, 'Lagos', 'NG', 14368000, '')");
            }
            return null;
        });
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

    private void typeQuery(String sql) {
        browser.driver.findElement(By.cssSelector(".CodeMirror")).click();
        WebElement input = browser.driver.findElement(By.cssSelector(".CodeMirror textarea"));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        input.sendKeys(sql);
        input.sendKeys(Keys.ESCAPE, Keys.chord(Keys.CONTROL, Keys.ENTER));
    }

    private String awaitRows() {
        return browser.await(20, d -> {
            List<WebElement> rows = d.findElements(By.id("result-rows"));
            return rows.isEmpty()
                            || d.findElement(By.id("run"))
                                    .getDomProperty("disabled")
                                    .equals("true")
                    ? null
                    : rows.get(0).getText();
        });
    }

    private List<List<String>> gridRows() {
        return browser.driver.findElements(By.cssSelector("#grid .grid-row")).stream()
                .map(row -> texts(row.findElements(By.cssSelector(".cell:not(.rownum)"))))
                .toList();
    }

    @Test
    void runsATypedQueryAndShowsItsRowsWithTypesAndNullApartFromEmpty() {
        open("query");
        typeQuery("SELECT name, population, note FROM console_cities ORDER BY population DESC");
        assertThat(awaitRows()).isEqualTo("5 rows");
        assertThat(texts(browser.driver.findElements(By.cssSelector("#grid .grid-header b"))))
                .containsExactly("name", "population", "note");
        assertThat(texts(browser.driver.findElements(By.cssSelector("#grid .grid-header small"))))
                .containsExactly("VARCHAR", "BIGINT", "VARCHAR");
        assertThat(gridRows())
                .containsExactly(
                        List.of("Tokyo", "37400068", ""),
                        List.of("Delhi", "28514000", "NULL"),
                        List.of("Mumbai", "19980000", "coastal"),
                        List.of("Osaka", "19281000", "NULL"),
                        List.of("Lagos", "14368000", ""));
        assertThat(browser.driver.findElements(By.cssSelector("#grid .cell.null")))
                .hasSize(2);
        assertThat(browser.driver.findElements(By.id("result-truncated"))).isEmpty();
        assertThat(browser.driver
                        .findElement(By.cssSelector("#history li code"))
                        .getText())
                .startsWith("SELECT name, population, note");
        browser.screenshot("query");

        browser.driver.findElement(By.id("download-csv")).click();
        browser.await(20, d -> d.findElement(By.id("status")).getText().startsWith("Downloaded CSV"));
        browser.driver.findElement(By.id("download-parquet")).click();
        browser.await(20, d -> d.findElement(By.id("status")).getText().startsWith("Downloaded PARQUET"));
        assertThat(browser.driver.findElements(By.id("error")).get(0).isDisplayed())
                .isFalse();
        assertThat(browser.cspViolations()).isEmpty();
    }

    @Test
    void cancelStopsTheQueryOnTheServerNotOnlyInThePage() {
        open("query");
        QueryRunner runner = app.getBean(QueryRunner.class);
        typeQuery("SELECT sum(hash(i)) FROM range(1000000000000) t(i)");
        browser.await(20, d -> runner.running().size() == 1);
        browser.driver.findElement(By.id("cancel")).click();
        browser.await(20, d -> d.findElement(By.id("status")).getText().startsWith("Cancelled after"));
        // the server stopped computing: the query ended as CANCELLED, long before its 30 s timeout
        browser.await(10, d -> runner.running().size() == 0);
        assertThat(runner.recorder().recent(java.time.Duration.ZERO, 1))
                .first()
                .satisfies(r -> assertThat(r.errorClass()).isEqualTo(ErrorClass.CANCELLED));
        assertThat(browser.cspViolations()).isEmpty();
    }

    @Test
    void completesTableNamesFromTheCatalog() {
        open("query");
        browser.driver.findElement(By.cssSelector(".CodeMirror")).click();
        WebElement input = browser.driver.findElement(By.cssSelector(".CodeMirror textarea"));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        input.sendKeys("SELECT * FROM console_ci");
        browser.await(10, d -> {
            input.sendKeys(Keys.ESCAPE, Keys.chord(Keys.CONTROL, Keys.SPACE));
            return texts(d.findElements(By.cssSelector(".CodeMirror-hints li"))).contains("console_cities");
        });
        browser.screenshot("query-completion");
        input.sendKeys(Keys.ENTER);
        assertThat(browser.script("return duckbridgeEditor.getValue()")).isEqualTo("SELECT * FROM console_cities");
        assertThat(browser.cspViolations()).isEmpty();
    }

    @Test
    void scrollsOneHundredThousandRowsKeepingOnlyTheVisibleOnesInThePage() {
        open("query");
        new Select(browser.driver.findElement(By.id("max-rows"))).selectByVisibleText("100000");
        typeQuery("SELECT range AS n, 'row ' || range AS label FROM range(100000)");
        assertThat(awaitRows()).isEqualTo("100,000 rows");
        assertThat(browser.driver
                        .findElements(By.cssSelector("#grid .grid-row"))
                        .size())
                .isLessThan(200);
        browser.script("const v = document.querySelector('#grid .grid-viewport'); v.scrollTop = v.scrollHeight;");
        browser.await(5, d -> gridRows().stream().anyMatch(r -> r.equals(List.of("99999", "row 99999"))));
        assertThat(browser.driver
                        .findElements(By.cssSelector("#grid .grid-row"))
                        .size())
                .isLessThan(200);
        browser.screenshot("query-100k");
    }

    @Test
    void showsTheErrorClassAndMarksThePositionInTheEditorWithoutTheEarlierResult() {
        open("query");
        typeQuery("SELECT name FROM console_cities");
        assertThat(awaitRows()).isEqualTo("5 rows");
        typeQuery("SELECT * FORM console_cities");
        browser.await(20, d -> d.findElement(By.id("error")).isDisplayed());
        // the earlier statement's rows would look like this one's
        assertThat(browser.driver.findElements(By.cssSelector("#grid > *"))).isEmpty();
        assertThat(browser.driver.findElement(By.id("error-class")).getText()).isEqualTo("SYNTAX");
        WebElement mark = browser.await(5, d -> d.findElement(By.cssSelector(".CodeMirror .cm-error-mark")));
        assertThat(mark.getText()).isEqualTo("console_cities");
        browser.screenshot("query-error");
    }

    @Test
    void drawsABarChartFromAResultInTwoClicks() {
        open("query");
        typeQuery(
                "SELECT country, sum(population) AS population FROM console_cities GROUP BY country ORDER BY country");
        assertThat(awaitRows()).isEqualTo("3 rows");
        browser.driver
                .findElement(By.cssSelector(".result-tabs [data-tab=chart]"))
                .click();
        browser.driver.findElement(By.cssSelector("[data-chart=bar]")).click();
        @SuppressWarnings("unchecked")
        Map<String, Object> chart =
                (Map<String, Object>) browser.script("const c = Chart.getChart(document.getElementById('chart'));"
                        + " return {type: c.config.type, labels: c.data.labels, data: c.data.datasets[0].data};");
        assertThat(chart.get("type")).isEqualTo("bar");
        assertThat(chart.get("labels")).isEqualTo(List.of("IN", "JP", "NG"));
        assertThat(((List<?>) chart.get("data"))
                        .stream().map(v -> ((Number) v).longValue()).toList())
                .containsExactly(48494000L, 56681068L, 14368000L);
        assertThat(browser.driver.findElement(By.id("chart")).isDisplayed()).isTrue();
        assertThat(browser.driver.findElement(By.id("grid")).isDisplayed()).isFalse();
        assertThat(browser.cspViolations()).isEmpty();
        browser.screenshot("chart");
    }

    @Test
    void servesItsLibrariesFromTheServerItself() {
        open("query");
        assertThat(browser.script("return typeof CodeMirror + ' ' + typeof Chart"))
                .isEqualTo("function function");
        assertThat(browser.driver.findElements(By.cssSelector(".CodeMirror"))).hasSize(1);
        assertThat(browser.cspViolations()).isEmpty();
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
        // the bar's width is set through the CSSOM, which the console's style-src 'self' allows
        browser.await(5, d -> {
            double filled = ((Number) browser.script(
                            "const p = arguments[0]; return p.querySelector('.bar').getBoundingClientRect().width"
                                    + " / p.getBoundingClientRect().width",
                            d.findElement(bar)))
                    .doubleValue();
            return filled > 0.45 && filled < 0.55;
        });
        assertThat(browser.cspViolations()).isEmpty();
        browser.screenshot("operations-running");
        rest.countDown();
        By row = By.cssSelector("#jobs tr[data-job='" + job.jobId() + "']");
        browser.await(10, d -> "100".equals(d.findElement(bar).getDomAttribute("aria-valuenow")));
        browser.await(
                5,
                d -> "succeeded".equals(d.findElement(row).getDomAttribute("data-status"))
                        && d.findElement(row).getText().contains("10 / 10 tables"));
        // the page re-renders these elements on each refresh: read them inside await, which retries stale ones
        browser.await(10, d -> "UP".equals(d.findElement(By.id("health-status")).getText()));
        browser.screenshot("operations");
    }

    @Test
    void startsASyncWhoseProgressBarReachesOneHundredPercentAndTheCatalogShowsTheTable() {
        open("operations");
        browser.driver.findElement(By.id("sync-table")).sendKeys("public.orders");
        new Select(browser.driver.findElement(By.id("sync-mode"))).selectByVisibleText("full");
        browser.driver.findElement(By.id("sync-start")).click();
        By watched = By.cssSelector("#job-watch .watched");
        browser.await(10, d -> d.findElement(watched).getDomAttribute("data-job") != null);
        browser.await(60, d -> "succeeded".equals(d.findElement(watched).getDomAttribute("data-status")));
        browser.await(
                10,
                d -> "100"
                        .equals(d.findElement(By.cssSelector("#job-watch .watched .progress"))
                                .getDomAttribute("aria-valuenow")));
        browser.screenshot("operations-sync");

        open("catalog");
        browser.await(10, d -> {
            d.findElement(By.cssSelector("#catalog-tables a[data-table='public.orders']"))
                    .click();
            return true;
        });
        browser.await(
                10,
                d -> d.findElement(By.cssSelector("#catalog-detail h2"))
                        .getText()
                        .equals("public.orders"));
        browser.await(
                10,
                d -> d.findElement(By.cssSelector("#catalog-detail dl"))
                        .getText()
                        .contains("2,000"));
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
    void backsUpAndValidatesTheBackupFromTheOperationsPage() {
        open("operations");
        browser.await(10, d -> d.findElement(By.id("backup-create")).isDisplayed());
        browser.driver.findElement(By.id("backup-create")).click();
        By backup = By.cssSelector("#backups tr[data-backup]");
        String id = browser.await(60, d -> d.findElement(backup).getDomAttribute("data-backup"));
        browser.driver
                .findElement(By.cssSelector("#backups tr[data-backup='" + id + "'] button:not(.danger)"))
                .click();
        browser.await(30, d -> d.findElement(By.id("sync-message")).getText().equals("Backup " + id + " is valid"));
        // the list shows the outcome of the backup's last validation (the API's lastValidation)
        By status = By.cssSelector("#backups tr[data-backup='" + id + "'] .backup-status");
        browser.await(30, d -> d.findElement(status).getText().equals("valid"));
        browser.screenshot("operations-backup");
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

    @Test
    void syncsShowsAndCompletesTablesWhoseNamesHoldADotOrASlash() throws Exception {
        try (Connection c = app.getBean(PostgresSource.class).connect();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS public.\"a.b\" (id integer PRIMARY KEY, label text)");
            st.execute("INSERT INTO public.\"a.b\" VALUES (1, 'dot') ON CONFLICT DO NOTHING");
            st.execute("CREATE TABLE IF NOT EXISTS public.\"sl/ash\" (id integer PRIMARY KEY, v numeric(5,1))");
            st.execute("INSERT INTO public.\"sl/ash\" VALUES (1, 2.5), (2, 3.5) ON CONFLICT DO NOTHING");
        }
        open("operations");
        for (String table : List.of("public.\"a.b\"", "public.\"sl/ash\"")) {
            WebElement input = browser.driver.findElement(By.id("sync-table"));
            input.clear();
            input.sendKeys(table);
            browser.driver.findElement(By.id("sync-start")).click();
            By watched = By.cssSelector("#job-watch .watched:first-child");
            browser.await(
                    60,
                    d -> d.findElement(By.id("sync-message")).getText().startsWith("Sync job")
                            && "succeeded".equals(d.findElement(watched).getDomAttribute("data-status")));
        }

        open("catalog");
        catalogLink("public.\"a.b\"").click();
        browser.await(
                10,
                d -> d.findElement(By.cssSelector("#catalog-detail h2"))
                        .getText()
                        .equals("public.\"a.b\""));
        // the detail came from GET /api/v1/tables/{table}: it knows the PostgreSQL types
        assertThat(catalogColumns())
                .extracting(c -> c.subList(0, 2))
                .containsExactly(List.of("id", "INTEGER"), List.of("label", "VARCHAR"));
        assertThat(catalogColumns()).allSatisfy(c -> assertThat(c.get(2)).isNotEmpty());
        browser.screenshot("catalog-dotted-name");

        // a / cannot be in a URL path: the columns come from DuckDB's catalog, with a note saying so
        catalogLink("public.\"sl/ash\"").click();
        browser.await(
                10,
                d -> d.findElement(By.cssSelector("#catalog-detail h2"))
                        .getText()
                        .equals("public.\"sl/ash\""));
        assertThat(browser.driver.findElement(By.id("catalog-note")).getText()).contains("refuses in a URL");
        assertThat(catalogColumns())
                .extracting(c -> c.subList(0, 2))
                .containsExactly(List.of("id", "INTEGER"), List.of("v", "DECIMAL(5,1)"));
        assertThat(browser.driver
                        .findElement(By.cssSelector("#catalog-detail dl"))
                        .getText())
                .contains("2");
        browser.screenshot("catalog-slash-name");

        // (a query of public."sl/ash" is refused by the query guard, which takes a name with / for a file path)
        open("query");
        browser.driver.findElement(By.cssSelector(".CodeMirror")).click();
        WebElement editor = browser.driver.findElement(By.cssSelector(".CodeMirror textarea"));
        editor.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        editor.sendKeys("SELECT count(*) AS n FROM public.");
        WebElement hint = browser.await(10, d -> {
            editor.sendKeys(Keys.ESCAPE, Keys.chord(Keys.CONTROL, Keys.SPACE));
            return d.findElements(By.cssSelector(".CodeMirror-hints li")).stream()
                    .filter(li -> li.getText().equals("public.\"a.b\""))
                    .findFirst()
                    .orElse(null);
        });
        hint.click();
        assertThat(browser.script("return duckbridgeEditor.getValue()"))
                .isEqualTo("SELECT count(*) AS n FROM public.\"a.b\"");
        editor.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        assertThat(awaitRows()).isEqualTo("1 rows");
        assertThat(gridRows()).containsExactly(List.of("1"));
    }

    private WebElement catalogLink(String table) {
        return browser.await(
                10,
                d -> d.findElements(By.cssSelector("#catalog-tables a[data-table]")).stream()
                        .filter(a -> table.equals(a.getDomAttribute("data-table")))
                        .findFirst()
                        .orElse(null));
    }

    private List<List<String>> catalogColumns() {
        return browser.driver.findElements(By.cssSelector("#catalog-detail tbody tr")).stream()
                .map(row -> texts(row.findElements(By.tagName("td"))))
                .toList();
    }

    @Test
    void leavingOperationsWhileAPollIsInFlightStopsThePolling() {
        open("query");
        // every request takes 300 ms, so the first poll is still waiting when the page is left after 10 ms
        Object jobRequests = browser.driver.executeAsyncScript("""
                        const done = arguments[arguments.length - 1];
                        let jobs = 0;
                        const real = window.fetch;
                        window.fetch = (url, options) => {
                          if (String(url).startsWith('/api/v1/jobs')) jobs++;
                          return new Promise((resolve) => setTimeout(resolve, 300)).then(() => real(url, options));
                        };
                        location.hash = '#operations';
                        setTimeout(() => {
                          location.hash = '#query';
                          setTimeout(() => { jobs = 0; setTimeout(() => done(jobs), 2500); }, 50);
                        }, 10);
                        """);
        assertThat(jobRequests).isEqualTo(0L);
    }

    @Test
    void namesNetworkFailuresInOperationsAndAtStartInsteadOfUndefinedOrABlankPage() {
        open("operations");
        browser.await(10, d -> d.findElement(By.id("health-status")).isDisplayed());
        browser.script("window.fetch = () => Promise.reject(new TypeError('Failed to fetch'))");
        browser.await(10, d -> d.findElement(By.id("jobs")).getText().equals("NETWORK: Failed to fetch"));
        assertThat(browser.driver.findElement(By.id("cdc")).getText()).doesNotContain("undefined");
        browser.screenshot("operations-offline");

        // start-up: GET /api/v1/auth/me fails after the key is typed in
        browser.driver.get(base + "/console/console.css");
        browser.script("sessionStorage.clear()");
        browser.driver.get(base + "/#query");
        WebElement key = browser.await(
                20, d -> d.findElement(By.id("api-key")).isDisplayed() ? d.findElement(By.id("api-key")) : null);
        browser.script("window.realFetch = window.fetch;"
                + " window.fetch = () => Promise.reject(new TypeError('Failed to fetch'))");
        key.sendKeys(ADMIN_KEY);
        browser.driver.findElement(By.id("login-submit")).click();
        WebElement banner = browser.await(
                10,
                d -> d.findElement(By.id("startup-error")).isDisplayed()
                        ? d.findElement(By.id("startup-error"))
                        : null);
        assertThat(banner.getText()).contains("/api/v1/auth/me").contains("NETWORK: Failed to fetch");
        browser.screenshot("startup-offline");
        browser.script("window.fetch = window.realFetch");
        banner.findElement(By.tagName("button")).click();
        browser.await(10, d -> d.findElement(By.id("whoami")).getText().equals("ops · admin"));
        assertThat(browser.driver.findElement(By.id("startup-error")).isDisplayed())
                .isFalse();
    }

    @Test
    void showsWhyCancellingAJobFailed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Job job = app.getBean(JobRunner.class).submit(JobKind.SYNC, "console cancel check", context -> {
            context.total(1, "tables");
            if (!release.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the job finish");
            }
            context.advance(1);
            return Map.of("tables", 1);
        });
        try {
            open("operations");
            By cancel = By.cssSelector("#jobs tr[data-job='" + job.jobId() + "'] button");
            browser.await(10, d -> d.findElement(cancel).isDisplayed());
            browser.script("const real = window.fetch; window.fetch = (url, options) => options?.method === 'DELETE'"
                    + " ? Promise.reject(new TypeError('Failed to fetch')) : real(url, options)");
            browser.await(10, d -> {
                d.findElement(cancel).click();
                return true;
            });
            WebElement message = browser.await(
                    10,
                    d -> d.findElement(By.id("sync-message")).getText().equals("NETWORK: Failed to fetch")
                            ? d.findElement(By.id("sync-message"))
                            : null);
            assertThat(message.getDomAttribute("class")).isEqualTo("error-text");
            browser.screenshot("operations-cancel-failed");
        } finally {
            release.countDown();
        }
    }

    static List<String> texts(List<WebElement> elements) {
        return elements.stream().map(WebElement::getText).toList();
    }
}
