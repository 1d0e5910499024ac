package io.portrait.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.portrait.config.PortraitConfig;
import io.portrait.user.ProfileDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The read API and the dashboard (docs/api.md, docs/openapi.yaml): read-only JSON over the
 * documents the job writes to Redis, on Javalin (Jetty 12). Every endpoint but {@code /health} and
 * the static dashboard needs {@code Authorization: Bearer <token>} unless the server was built
 * without a token (the demo only). Input is validated up front with a 400 that says what to fix; no
 * endpoint writes, and none returns more than one bounded page.
 */
public final class ApiServer implements AutoCloseable {

    /** Largest page of {@code /profiles} and {@code /alerts}. */
    public static final int MAX_LIMIT = 100;

    public static final int DEFAULT_LIMIT = 20;

    /** Profile keys one {@code /profiles} request may examine before it returns a short page. */
    public static final int MAX_SCAN = 5_000;

    static final int SCAN_STEP = 200;
    static final int MAX_ID_LENGTH = 256;
    static final long DAY_MILLIS = 86_400_000L;
    static final Pattern CURSOR = Pattern.compile("(\\d{1,20})\\.(\\d{1,6})");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProfileReader reader;
    private final byte[] token;
    private final LiveStats stats;
    private final Clock clock;
    private final Javalin app;

    /**
     * @param token the bearer token every data endpoint requires; null turns authentication off
     * @param stats live rates and the alert feed (null when the server has no Kafka to read)
     */
    public ApiServer(ProfileReader reader, String token, LiveStats stats, Clock clock) {
        this.reader = reader;
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.stats = stats;
        this.clock = clock;
        this.app =
                Javalin.create(
                        config -> {
                            QueuedThreadPool pool = new QueuedThreadPool(32, 4);
                            pool.setName("portrait-api");
                            config.jetty.threadPool = pool;
                            config.startup.showJavalinBanner = false;
                            config.staticFiles.add("/dashboard", Location.CLASSPATH);
                            config.routes.before(this::guard);
                            config.routes.get("/health", this::health);
                            config.routes.get("/profiles/{id}", this::profile);
                            config.routes.get("/profiles", this::profiles);
                            config.routes.get("/segments", this::segments);
                            config.routes.get("/segments/map", this::segmentMap);
                            config.routes.get("/alerts", this::alerts);
                            config.routes.get("/stats", this::stats);
                            config.routes.exception(BadRequest.class, this::badRequest);
                            config.routes.exception(JedisException.class, this::unavailable);
                            config.routes.exception(
                                    UnsupportedOperationException.class,
                                    (e, ctx) -> error(ctx, 501, "not_implemented", e.getMessage()));
                            config.routes.error(
                                    404,
                                    ctx -> {
                                        String type = ctx.res().getContentType();
                                        if (type == null || !type.startsWith("application/json")) {
                                            error(ctx, 404, "not_found", "no such endpoint");
                                        }
                                    });
                        });
    }

    /**
     * The server over {@code config}'s Redis, with live statistics from its Kafka when {@code
     * withKafka}; {@code token} null only for the demo.
     */
    public static ApiServer over(PortraitConfig config, String token, boolean withKafka) {
        LiveStats stats =
                withKafka
                        ? new LiveStats(
                                        config.kafkaClientProperties(),
                                        config.eventsTopic(),
                                        config.dlqTopic(),
                                        config.alertsTopic(),
                                        java.time.Duration.ofSeconds(2))
                                .start()
                        : null;
        return new ApiServer(
                new ProfileReader(
                        io.portrait.config.RedisAddress.parse(config.redisUrl(), "--redis-url"),
                        io.portrait.config.RedisAddress.passwordFromEnvironment()),
                token,
                stats,
                Clock.systemUTC());
    }

    /** Starts listening on {@code host:port} (port 0: any free port); returns the bound port. */
    public int start(String host, int port) {
        app.start(host, port);
        return app.port();
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
        if (stats != null) {
            stats.close();
        }
        reader.close();
    }

    /** A 400 with the message that says what to fix. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    // ---- filters ----

    private void guard(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        String method = ctx.method().name();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            error(ctx, 405, "method_not_allowed", "the API is read-only: GET only");
            ctx.skipRemainingHandlers();
            return;
        }
        String path = ctx.path();
        boolean open =
                path.equals("/health")
                        || path.equals("/")
                        || path.equals("/index.html")
                        || path.startsWith("/assets/");
        if (open || token == null) {
            return;
        }
        String header = ctx.header("Authorization");
        byte[] given =
                header != null && header.startsWith("Bearer ")
                        ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                        : null;
        if (given == null || !MessageDigest.isEqual(given, token)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"portrait\"");
            error(
                    ctx,
                    401,
                    "unauthorized",
                    given == null
                            ? "send the API token as 'Authorization: Bearer <token>'"
                            : "the token is not valid");
            ctx.skipRemainingHandlers();
        }
    }

    // ---- endpoints ----

    private void health(Context ctx) {
        ObjectNode o = JSON.createObjectNode();
        try {
            reader.ping();
            o.put("status", "ok");
            o.put("redis", "ok");
            o.put("kafka", stats == null ? "not configured" : stats.health());
            json(ctx, 200, o);
        } catch (JedisException e) {
            o.put("status", "unavailable");
            o.put("redis", String.valueOf(e.getMessage()));
            json(ctx, 503, o);
        }
    }

    private void profile(Context ctx) throws IOException {
        String id = userId(ctx.pathParam("id"), "the user id in the path");
        String doc = reader.profile(id);
        if (doc == null) {
            error(ctx, 404, "not_found", "no profile for user '" + id + "'");
            return;
        }
        ObjectNode o = (ObjectNode) JSON.readTree(doc);
        if (o.path("erased").asBoolean(false)) {
            error(ctx, 404, "not_found", "the profile of user '" + id + "' was erased");
            return;
        }
        json(ctx, 200, atReadTime(o, clock.millis()));
    }

    /** Sets {@code rfm.recency_days} as of {@code now} from {@code rfm.last_purchase_at}. */
    static ObjectNode atReadTime(ObjectNode doc, long now) {
        JsonNode rfm = doc.get("rfm");
        if (rfm instanceof ObjectNode r) {
            JsonNode last = r.get("last_purchase_at");
            if (last != null && last.isTextual()) {
                long at = Instant.parse(last.asText()).toEpochMilli();
                r.put("recency_days", ProfileDocument.days(Math.max(0, now - at)));
            }
            r.put("recency_as_of", Instant.ofEpochMilli(now).toString());
        }
        return doc;
    }

    private void profiles(Context ctx) throws IOException {
        Integer segment = intParam(ctx, "segment", null, 0, Integer.MAX_VALUE);
        int limit = intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        String cursor = ctx.queryParam("cursor");
        String redisCursor = "0";
        int skip = 0;
        if (cursor != null) {
            var m = CURSOR.matcher(cursor);
            if (!m.matches()) {
                throw new BadRequest(
                        "cursor must be a next_cursor value returned by a previous page");
            }
            redisCursor = m.group(1);
            skip = Integer.parseInt(m.group(2));
        }
        long now = clock.millis();
        ArrayNode items = JSON.createArrayNode();
        String next;
        int scanned = 0;
        while (true) {
            ProfileReader.Page step = reader.scan(redisCursor, SCAN_STEP);
            scanned += step.scanned();
            List<ObjectNode> matching = new ArrayList<>();
            for (String doc : step.documents()) {
                ObjectNode o = (ObjectNode) JSON.readTree(doc);
                if (o.path("erased").asBoolean(false)) {
                    continue;
                }
                if (segment == null || o.path("segment").path("id").asInt(-1) == segment) {
                    matching.add(o);
                }
            }
            int need = limit - items.size();
            if (matching.size() - skip > need) {
                // Resume inside this step next time, after the ones taken now.
                matching.subList(skip, skip + need).forEach(o -> items.add(atReadTime(o, now)));
                next = redisCursor + "." + (skip + need);
                break;
            }
            for (int i = skip; i < matching.size(); i++) {
                items.add(atReadTime(matching.get(i), now));
            }
            skip = 0;
            if (step.nextCursor() == null) {
                next = null;
                break;
            }
            redisCursor = step.nextCursor();
            if (items.size() == limit || scanned >= MAX_SCAN) {
                next = redisCursor + ".0";
                break;
            }
        }
        ObjectNode o = JSON.createObjectNode();
        o.set("items", items);
        o.put("next_cursor", next);
        o.put("scanned", scanned);
        json(ctx, 200, o);
    }

    private void segments(Context ctx) throws IOException {
        String doc = reader.segments();
        if (doc == null) {
            error(ctx, 404, "not_found", "no segment model yet (segments off, or still learning)");
            return;
        }
        json(ctx, 200, JSON.readTree(doc));
    }

    private void segmentMap(Context ctx) throws IOException {
        int sample = intParam(ctx, "sample", 300, 10, 1_000);
        String doc = reader.segments();
        if (doc == null) {
            error(ctx, 404, "not_found", "no segment model yet (segments off, or still learning)");
            return;
        }
        List<JsonNode> profiles = new ArrayList<>();
        String cursor = "0";
        int scanned = 0;
        do {
            ProfileReader.Page step = reader.scan(cursor, SCAN_STEP);
            scanned += step.scanned();
            for (String d : step.documents()) {
                JsonNode p = JSON.readTree(d);
                if (!p.path("erased").asBoolean(false) && profiles.size() < sample) {
                    profiles.add(p);
                }
            }
            cursor = step.nextCursor();
        } while (cursor != null && profiles.size() < sample && scanned < MAX_SCAN);
        json(ctx, 200, SegmentMap.of(JSON.readTree(doc), profiles));
    }

    private void alerts(Context ctx) {
        String user = ctx.queryParam("user");
        if (user == null) {
            throw new BadRequest("name the user: /alerts?user=<user_id>[&since=…][&limit=…]");
        }
        user = userId(user, "user");
        long since = since(ctx.queryParam("since"));
        int limit = intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        ArrayNode items = JSON.createArrayNode();
        for (String a : reader.alerts(user, since, limit)) {
            try {
                items.add(JSON.readTree(a));
            } catch (IOException e) {
                items.add(a); // stored by an older writer: passed on as text
            }
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("user_id", user);
        o.set("items", items);
        json(ctx, 200, o);
    }

    private void stats(Context ctx) {
        if (stats == null) {
            error(
                    ctx,
                    404,
                    "not_found",
                    "live statistics need Kafka: start with --kafka-bootstrap");
            return;
        }
        json(ctx, 200, stats.snapshot());
    }

    // ---- validation and responses ----

    static String userId(String raw, String what) {
        if (raw == null || raw.isBlank()) {
            throw new BadRequest(what + " must not be empty");
        }
        if (raw.length() > MAX_ID_LENGTH) {
            throw new BadRequest(what + " is longer than " + MAX_ID_LENGTH + " characters");
        }
        for (int i = 0; i < raw.length(); i++) {
            if (Character.isISOControl(raw.charAt(i))) {
                throw new BadRequest(what + " must not contain control characters");
            }
        }
        return raw;
    }

    static Integer intParam(Context ctx, String name, Integer dflt, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null) {
            return dflt;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new BadRequest(
                    name
                            + " must be a whole number from "
                            + min
                            + " to "
                            + max
                            + ", not '"
                            + raw
                            + "'");
        }
    }

    /** {@code since}: an ISO-8601 instant or epoch milliseconds; absent means all. */
    static long since(String raw) {
        if (raw == null || raw.isBlank()) {
            return 0;
        }
        try {
            return raw.chars().allMatch(Character::isDigit)
                    ? Long.parseLong(raw)
                    : Instant.parse(raw).toEpochMilli();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new BadRequest(
                    "since must be an ISO-8601 instant (2026-11-30T10:00:00Z) or epoch"
                            + " milliseconds, not '"
                            + raw
                            + "'");
        }
    }

    private void badRequest(BadRequest e, Context ctx) {
        error(ctx, 400, "bad_request", e.getMessage());
    }

    private void unavailable(JedisException e, Context ctx) {
        error(ctx, 503, "unavailable", "Redis is not answering: " + e.getMessage());
    }

    static void error(Context ctx, int status, String code, String message) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", code);
        o.put("message", message);
        json(ctx, status, o);
    }

    static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status);
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("application/json");
        ctx.result(body.toString());
    }
}
