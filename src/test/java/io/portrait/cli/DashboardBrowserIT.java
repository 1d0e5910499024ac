package io.portrait.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.demo.DemoRunner;
import io.portrait.demo.FreePorts;
import io.portrait.demo.TrafficGenerator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import picocli.CommandLine;

/**
 * The dashboard in a real browser (headless Chromium from Debian, driven through chromedriver)
 * against a running {@code portrait demo}: the page loads with live rates and segments, a profile
 * lookup shows the values the API serves for that user, and a screenshot lands in
 * target/dashboard.png. Runs with {@code mvn verify -Pbrowser} (chromium and chromium-driver
 * installed with apt; paths overridable with -Dchromium.binary and -Dchromedriver).
 */
class DashboardBrowserIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theDashboardShowsTheDemosProfiles() throws Exception {
        int port = FreePorts.next();
        CommandLine.ParseResult parsed =
                PortraitCli.newCommandLine()
                        .parseArgs(
                                "demo",
                                "--events",
                                "10000",
                                "--users",
                                "300",
                                "--rate",
                                "1000",
                                "--api-port",
                                Integer.toString(port));
        StringWriter log = new StringWriter();
        DemoCommand command = (DemoCommand) parsed.subcommand().commandSpec().userObject();
        DemoRunner demo = new DemoRunner(command.validate(), new PrintWriter(log, true));
        CompletableFuture<?> running =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                demo.run();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        String base = "http://localhost:" + port;
        String user = TrafficGenerator.userId(1);
        ChromeDriver browser = null;
        try {
            JsonNode profile = settled(base, user, running, log);
            assertThat(log.toString()).contains("api:       http://localhost:" + port + "/");

            ChromeOptions options = new ChromeOptions();
            options.setBinary(System.getProperty("chromium.binary", "/usr/bin/chromium"));
            options.addArguments(
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800");
            browser =
                    new ChromeDriver(
                            new ChromeDriverService.Builder()
                                    .usingDriverExecutable(
                                            Path.of(
                                                            System.getProperty(
                                                                    "chromedriver",
                                                                    "/usr/bin/chromedriver"))
                                                    .toFile())
                                    .build(),
                            options);
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));

            // The page loads: health, live rates from Kafka, segment sizes.
            browser.get(base + "/");
            assertThat(browser.getTitle()).isEqualTo("portrait");
            wait.until(
                    ExpectedConditions.textToBePresentInElementLocated(
                            By.id("health"), "redis ok"));
            wait.until(d -> d.findElement(By.id("totals")).getText().startsWith("totals:"));
            assertThat(browser.findElement(By.id("events-rate")).getText()).matches("[0-9,]+");
            assertThat(get(base, "/stats").path("events_total").asLong()).isGreaterThan(0);
            wait.until(d -> !d.findElements(By.cssSelector("#segment-sizes .bar")).isEmpty());

            // A lookup through the form shows the values the API serves for the user.
            WebElement box = browser.findElement(By.id("lookup-id"));
            box.clear();
            box.sendKeys(user);
            browser.findElement(By.cssSelector("#lookup-form button")).click();
            ChromeDriver b = browser;
            wait.withMessage(() -> "page error: " + b.findElement(By.id("lookup-error")).getText())
                    .until(ExpectedConditions.visibilityOfElementLocated(By.id("profile")));
            wait.until(d -> field(d.findElement(By.id("overview")), "user_id").equals(user));
            WebElement page = browser.findElement(By.id("profile"));
            assertThat(field(page, "version")).isEqualTo(number(profile.path("version")));
            assertThat(field(page, "counts.total"))
                    .isEqualTo(number(profile.path("counts").path("total")));
            assertThat(field(page, "rfm.orders"))
                    .isEqualTo(number(profile.path("rfm").path("orders")));
            List<String> interests =
                    page.findElements(By.cssSelector("#interests .bar")).stream()
                            .map(e -> e.getAttribute("data-interest"))
                            .toList();
            List<String> expected = new java.util.ArrayList<>();
            profile.path("interests").fieldNames().forEachRemaining(expected::add);
            assertThat(interests).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(page.findElements(By.cssSelector("#rhythm .cell"))).hasSize(168);
            List<String> recommended =
                    page
                            .findElements(
                                    By.cssSelector("#recommendations li[data-recommendation]"))
                            .stream()
                            .map(e -> e.getAttribute("data-recommendation"))
                            .toList();
            List<String> expectedRecs = new java.util.ArrayList<>();
            profile.path("recommendations")
                    .path("items")
                    .forEach(i -> expectedRecs.add(i.path("item_id").asText()));
            assertThat(recommended).isEqualTo(expectedRecs);
            JsonNode segment = profile.path("segment");
            assertThat(segment.path("id").isInt()).as("assigned a segment: " + segment).isTrue();
            assertThat(field(page, "segment"))
                    .isEqualTo(segment.path("id").asInt() + " · " + segment.path("label").asText());
            JsonNode segments = get(base, "/segments");
            long assigned = 0;
            for (JsonNode g : segments.path("segments")) {
                assigned += g.path("size").asLong();
            }
            assertThat(assigned).as("users counted in segments").isGreaterThan(0);
            // The demo runs the LSTM: a user with events has predictions, and the page shows them.
            JsonNode predictions = profile.path("predictions");
            assertThat(predictions.path("model_version").asText())
                    .as("predictions in the profile: " + predictions)
                    .isNotEmpty();
            assertThat(field(page, "predictions.model_version"))
                    .contains(predictions.path("model_version").asText());
            List<String> actions = new java.util.ArrayList<>();
            predictions.path("next_action").fieldNames().forEachRemaining(actions::add);
            assertThat(actions).as("next actions in the profile").isNotEmpty();
            assertThat(
                            page.findElements(By.cssSelector("#predictions .bar")).stream()
                                    .map(e -> e.getAttribute("data-action"))
                                    .toList())
                    .as("the page's next actions, likeliest first")
                    .isEqualTo(actions);
            assertThat(browser.getCurrentUrl()).endsWith("#user=" + user);

            // An unknown user is a readable error, not a broken page.
            box.clear();
            box.sendKeys("no-such-user");
            browser.findElement(By.cssSelector("#lookup-form button")).click();
            wait.until(
                    ExpectedConditions.textToBePresentInElementLocated(
                            By.id("lookup-error"), "no profile"));

            // Back to the user for the screenshot.
            browser.get(base + "/#user=" + user);
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("profile")));
            Path shot = Path.of("target/dashboard.png");
            Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
            assertThat(Files.size(shot)).isGreaterThan(10_000);
        } finally {
            if (browser != null) {
                browser.quit();
            }
            demo.requestStop();
            running.get(3, java.util.concurrent.TimeUnit.MINUTES);
        }
        assertThat(log.toString()).contains("summary: events=");
    }

    /** The user's profile once every event has been applied (its version stops moving). */
    static JsonNode settled(
            String base, String user, CompletableFuture<?> running, StringWriter log)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        JsonNode last = null;
        int stable = 0;
        while (System.nanoTime() < deadline) {
            if (running.isDone()) {
                running.get(); // rethrows the demo's failure
                throw new AssertionError("the demo ended early:\n" + log);
            }
            if (log.toString().contains("all input sent")) {
                try {
                    HttpResponse<String> r =
                            HTTP.send(
                                    HttpRequest.newBuilder(URI.create(base + "/profiles/" + user))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        JsonNode p = JSON.readTree(r.body());
                        boolean same =
                                last != null
                                        && last.path("version").asLong()
                                                == p.path("version").asLong()
                                        && p.path("segment").path("id").isInt();
                        stable = same ? stable + 1 : 0;
                        last = p;
                        if (stable >= 5) {
                            return p;
                        }
                    }
                } catch (java.io.IOException notYet) {
                    // The API starts with the job.
                }
            }
            Thread.sleep(1_000);
        }
        throw new AssertionError("no settled profile of " + user + " within 4 minutes:\n" + log);
    }

    static JsonNode get(String base, String path) throws Exception {
        return JSON.readTree(
                HTTP.send(
                                HttpRequest.newBuilder(URI.create(base + path)).build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body());
    }

    static String field(WebElement scope, String name) {
        return scope.findElement(By.cssSelector("[data-field='" + name + "']")).getText();
    }

    /** A number as the page formats it (en thousands separators). */
    static String number(JsonNode n) {
        return String.format(java.util.Locale.ENGLISH, "%,d", n.asLong());
    }
}
