package io.portrait.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisKeys;
import io.portrait.demo.RedisServerProcess;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.ProfileRecord;
import io.portrait.segment.SegmentModel;
import io.portrait.segment.SegmentPart;
import io.portrait.segment.SegmentSummary;
import io.portrait.sink.RedisConnections;
import io.portrait.sink.RedisProfileStore;
import io.portrait.testing.ProfileSchema;
import io.portrait.user.ProfileDocument;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The read API against a real redis-server holding documents rendered by the job's own renderer:
 * authentication, validation (400 with what to fix), 404s, read-time recency, bounded pagination by
 * segment, alerts since a time, the segment summary and map, read-only methods.
 */
class ApiServerTest {
    static final String TOKEN = "test-token-0123456789abcdef";
    static final long T0 = 1_764_000_000_000L;
    static final long DAY = 86_400_000L;
    static final Instant NOW = Instant.ofEpochMilli(T0 + 10 * DAY);
    static final ObjectMapper JSON = new ObjectMapper();
    static final int USERS = 260;

    static RedisServerProcess redis;
    static ApiServer server;
    static String base;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        PortraitConfig config = PortraitConfig.defaults();
        List<ProfileRecord> records = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            CoreFeatures f = new CoreFeatures();
            f.version = 3;
            f.total = 3 + u % 7;
            f.firstSeen = T0;
            f.lastSeen = T0 + DAY;
            f.orders = u % 3;
            f.purchaseMinor = 1_000L * (u % 3);
            f.lastPurchaseAt = u % 3 == 0 ? null : T0 + DAY;
            SegmentPart seg = SegmentPart.of(u % 4, "segment " + (u % 4), 0.5, 7, new double[6]);
            String json =
                    ProfileDocument.render(
                            1L,
                            "u" + u,
                            f,
                            seg,
                            null,
                            0,
                            f.lastSeen,
                            config.money(),
                            config.features(),
                            0,
                            0);
            records.add(new ProfileRecord("u" + u, 1L, 3, json, false));
        }
        records.add(new ProfileRecord("gone", 1L, 9, ProfileDocument.tombstone(1L, 9), true));
        SegmentModel model =
                new SegmentModel(
                        7,
                        1,
                        new double[6],
                        new double[] {1, 1, 1, 1, 1, 1},
                        new double[][] {
                            {0, 0, 0, 0, 0, 0},
                            {1, 1, 1, 1, 1, 1},
                            {-1, 0, 1, 0, -1, 0},
                            {2, 0, 0, 0, 0, 2}
                        },
                        new int[] {0, 1, 2, 3},
                        new String[] {"a", "b", "c", "d"},
                        new long[] {65, 65, 65, 65},
                        0);
        records.add(SegmentSummary.of(model));
        try (RedisProfileStore store = new RedisProfileStore(redis.address(), null)) {
            assertThat(store.write(records, 0, 60).written()).isEqualTo(records.size());
        }
        try (Jedis j = RedisConnections.open(redis.address(), null, "test", 2_000)) {
            for (int i = 0; i < 5; i++) {
                j.zadd(
                        RedisKeys.alerts("u1"),
                        T0 + i * DAY,
                        "{\"alert_id\":\"a"
                                + i
                                + "\",\"rule\":\"spend_spike\",\"ts\":"
                                + (T0 + i * DAY)
                                + "}");
            }
        }
        server =
                new ApiServer(
                        new ProfileReader(redis.address(), null),
                        TOKEN,
                        null,
                        Clock.fixed(NOW, ZoneOffset.UTC));
        base = "http://127.0.0.1:" + server.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        redis.close();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode ok(String path) throws Exception {
        HttpResponse<String> r = get(path, TOKEN);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/json");
        return JSON.readTree(r.body());
    }

    static void status(String path, String token, int status, String message) throws Exception {
        HttpResponse<String> r = get(path, token);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("message").asText()).as(path).contains(message);
    }

    @Test
    void everyDataEndpointNeedsTheToken() throws Exception {
        for (String path :
                List.of(
                        "/profiles/u1",
                        "/profiles?segment=1",
                        "/segments",
                        "/alerts?user=u1",
                        "/segments/map")) {
            status(path, null, 401, "Authorization: Bearer");
            status(path, "wrong-token-wrong-token", 401, "not valid");
        }
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(get("/health", null).body()).path("redis").asText())
                .isEqualTo("ok");
    }

    @Test
    void aProfileIsTheStoredDocumentWithRecencyAsOfTheRead() throws Exception {
        JsonNode p = ok("/profiles/u1");
        assertThat(p.path("user_id").asText()).isEqualTo("u1");
        assertThat(p.path("version").asLong()).isEqualTo(3);
        // Stored as of the last event (0 days); read 9 days after the last purchase.
        assertThat(p.path("rfm").path("recency_days").decimalValue()).isEqualByComparingTo("9.000");
        assertThat(p.path("rfm").path("recency_as_of").asText()).isEqualTo(NOW.toString());
        ProfileSchema.assertValid(p.toString());
        assertThat(ok("/profiles/u0").path("rfm").path("recency_days").isNull())
                .as("never purchased")
                .isTrue();
    }

    @Test
    void missingErasedAndInvalidIdsAreClearErrors() throws Exception {
        status("/profiles/nobody", TOKEN, 404, "no profile for user 'nobody'");
        status("/profiles/gone", TOKEN, 404, "was erased");
        status("/profiles/" + "x".repeat(300), TOKEN, 400, "longer than 256");
        status("/profiles/a%01b", TOKEN, 400, "control characters");
        status("/nowhere", TOKEN, 404, "no such endpoint");
    }

    @Test
    void pagesBySegmentAreBoundedAndCoverEveryMemberOnce() throws Exception {
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page =
                    ok(
                            "/profiles?segment=2&limit=7"
                                    + (cursor == null
                                            ? ""
                                            : "&cursor="
                                                    + URLEncoder.encode(
                                                            cursor, StandardCharsets.UTF_8)));
            assertThat(page.path("items").size()).isLessThanOrEqualTo(7);
            for (JsonNode item : page.path("items")) {
                assertThat(item.path("segment").path("id").asInt()).isEqualTo(2);
                assertThat(seen.add(item.path("user_id").asText())).as("no repeats").isTrue();
            }
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 100);
        assertThat(seen).hasSize(USERS / 4);
        assertThat(pages).isGreaterThanOrEqualTo(USERS / 4 / 7);

        assertThat(ok("/profiles?limit=100").path("items").size()).isEqualTo(100);
        status("/profiles?limit=101", TOKEN, 400, "limit must be a whole number from 1 to 100");
        status("/profiles?limit=0", TOKEN, 400, "from 1 to 100");
        status("/profiles?segment=x", TOKEN, 400, "segment must be a whole number");
        status("/profiles?cursor=;DROP", TOKEN, 400, "cursor must be a next_cursor value");
    }

    @Test
    void alertsOfAUserSinceATime() throws Exception {
        JsonNode all = ok("/alerts?user=u1");
        assertThat(all.path("items")).hasSize(5);
        assertThat(all.path("items").get(0).path("alert_id").asText())
                .as("newest first")
                .isEqualTo("a4");
        JsonNode recent = ok("/alerts?user=u1&since=" + Instant.ofEpochMilli(T0 + 3 * DAY));
        assertThat(recent.path("items"))
                .extracting(n -> n.path("alert_id").asText())
                .containsExactly("a4", "a3");
        assertThat(ok("/alerts?user=u1&since=" + (T0 + 4 * DAY) + "&limit=1").path("items"))
                .hasSize(1);
        assertThat(ok("/alerts?user=u2").path("items")).isEmpty();
        status("/alerts", TOKEN, 400, "name the user");
        status("/alerts?user=u1&since=yesterday", TOKEN, 400, "ISO-8601");
    }

    @Test
    void segmentsAndTheirMap() throws Exception {
        JsonNode s = ok("/segments");
        assertThat(s.path("model_version").asText()).isEqualTo("7");
        assertThat(s.path("segments")).hasSize(4);
        JsonNode map = ok("/segments/map?sample=50");
        assertThat(map.path("points")).hasSize(50);
        assertThat(map.path("centroids")).hasSize(4);
        assertThat(map.path("axes")).hasSize(2);
        for (JsonNode axis : map.path("axes")) {
            double norm = 0;
            for (JsonNode v : axis) {
                norm += v.asDouble() * v.asDouble();
            }
            assertThat(norm)
                    .as("unit axes")
                    .isCloseTo(1.0, org.assertj.core.api.Assertions.within(0.01));
        }
        status("/segments/map?sample=5000", TOKEN, 400, "sample must be");
    }

    @Test
    void theApiIsReadOnly() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(URI.create(base + "/profiles/u1"))
                                    .header("Authorization", "Bearer " + TOKEN)
                                    .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(method).isEqualTo(405);
        }
        assertThat(ok("/profiles/u1").path("version").asLong()).isEqualTo(3);
    }

    @Test
    void theDashboardIsServedWithoutAToken() throws Exception {
        HttpResponse<String> r = get("/", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("<title>portrait</title>");
    }

    /** docs/openapi.yaml stays true: every documented path answers with a documented status. */
    @Test
    void theOpenApiDocumentMatchesTheServer() throws Exception {
        JsonNode doc =
                new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                        .readTree(java.nio.file.Path.of("docs/openapi.yaml").toFile());
        List<String> paths = new ArrayList<>();
        doc.path("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths)
                .containsExactlyInAnyOrder(
                        "/health",
                        "/profiles/{id}",
                        "/profiles",
                        "/segments",
                        "/segments/map",
                        "/alerts",
                        "/stats");
        for (String path : paths) {
            String url = path.replace("{id}", "u1") + (path.equals("/alerts") ? "?user=u1" : "");
            HttpResponse<String> r = get(url, TOKEN);
            assertThat(
                            doc.path("paths")
                                    .path(path)
                                    .path("get")
                                    .path("responses")
                                    .has(Integer.toString(r.statusCode())))
                    .as(path + " answered " + r.statusCode())
                    .isTrue();
            assertThat(get(url, null).statusCode())
                    .as(path + " without a token")
                    .isEqualTo(path.equals("/health") ? 200 : 401);
        }
    }

    @Test
    void statisticsNeedKafka() throws Exception {
        status("/stats", TOKEN, 404, "--kafka-bootstrap");
    }
}
