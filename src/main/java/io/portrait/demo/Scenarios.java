package io.portrait.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Labelled anomaly traffic for measuring the detectors (docs/anomaly.md#measurement): normal
 * background users, and episodes of each pattern, near-misses and hard negatives, each user
 * labelled with the alert it should raise (or none). The behaviour comes from a scenario spec
 * (resources/scenarios/anomalies.json) that the detectors never read, so the measurement is not
 * circular. Deterministic for a spec (its seed) and an end time.
 */
public final class Scenarios {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DEFAULT_SPEC = "/scenarios/anomalies.json";
    static final long MIN = 60_000;
    static final long HOUR = 60 * MIN;
    static final long DAY = 24 * HOUR;
    static final String[] CATEGORIES = {
        "shoes", "books", "electronics", "garden", "toys", "beauty", "sports", "grocery"
    };
    static final String[] DEVICES = {
        "iphone-13", "pixel-7", "galaxy-s22", "macbook", "thinkpad", "ipad", "surface", "chromebook"
    };

    /** A home town: name, lat, lon, country, zone, currency. */
    record Place(double lat, double lon, String country, String tz) {}

    static final Place[] HOMES = {
        new Place(51.5074, -0.1278, "GB", "Europe/London"),
        new Place(53.4808, -2.2426, "GB", "Europe/London"),
        new Place(48.8566, 2.3522, "FR", "Europe/Paris"),
        new Place(52.5200, 13.4050, "DE", "Europe/Berlin"),
        new Place(40.7128, -74.0060, "US", "America/New_York")
    };

    /** One event of the labelled stream. */
    public record Labelled(String userId, long ts, String eventId, byte[] json) {}

    /**
     * @param labels user id → the alert (rule) it should raise, or {@code "none"}
     * @param episodes user id → the episode that made it ({@code "background"} for the rest)
     */
    public record Stream(
            List<Labelled> events, Map<String, String> labels, Map<String, String> episodes) {

        /** Rules some episode is labelled with. */
        public TreeSet<String> rules() {
            TreeSet<String> r = new TreeSet<>(labels.values());
            r.remove("none");
            return r;
        }
    }

    /** The shipped spec. */
    public static JsonNode defaultSpec() {
        try (InputStream in = Scenarios.class.getResourceAsStream(DEFAULT_SPEC)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A spec file, or the shipped one for {@code "default"}. */
    public static JsonNode spec(String fileOrDefault) {
        if ("default".equals(fileOrDefault)) {
            return defaultSpec();
        }
        try {
            return JSON.readTree(Files.readString(Path.of(fileOrDefault)));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read scenario spec " + fileOrDefault + ": " + e.getMessage());
        }
    }

    /** Generates the stream with every event time before {@code endMillis}, ordered by time. */
    public static Stream generate(JsonNode spec, long endMillis) {
        return new Builder(spec, endMillis).build();
    }

    private static final class Builder {
        final JsonNode spec;
        final SplittableRandom random;
        final long start;
        final long end;
        final List<Labelled> events = new ArrayList<>();
        final Map<String, String> labels = new LinkedHashMap<>();
        final Map<String, String> episodes = new LinkedHashMap<>();
        long sequence;
        int nextUser = 100_000;

        Builder(JsonNode spec, long endMillis) {
            this.spec = spec;
            this.random = new SplittableRandom(spec.path("seed").asLong(1));
            this.end = endMillis - MIN;
            this.start = endMillis - (long) (need(spec, "span_days").asDouble() * DAY);
        }

        Stream build() {
            background(need(spec, "background"));
            for (Iterator<Map.Entry<String, JsonNode>> it = need(spec, "episodes").fields();
                    it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode p = e.getValue();
                String label = p.path("label").isNull() ? "none" : p.path("label").asText();
                int n = need(p, "users").asInt();
                for (int i = 0; i < n; i++) {
                    User u = newUser(e.getKey(), label);
                    episode(e.getKey(), p, u);
                }
            }
            events.sort(Comparator.comparingLong(Labelled::ts));
            return new Stream(List.copyOf(events), Map.copyOf(labels), Map.copyOf(episodes));
        }

        static JsonNode need(JsonNode n, String field) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull() && !"label".equals(field)) {
                throw new IllegalArgumentException("scenario spec: missing '" + field + "'");
            }
            return v;
        }

        static JsonNode range(JsonNode p, String field) {
            JsonNode r = need(p, field);
            if (!r.isArray() || r.size() != 2 || r.get(0).asDouble() > r.get(1).asDouble()) {
                throw new IllegalArgumentException(
                        "scenario spec: '" + field + "' must be [min, max]");
            }
            return r;
        }

        double uniform(JsonNode p, String field) {
            JsonNode r = range(p, field);
            double lo = r.get(0).asDouble();
            double hi = r.get(1).asDouble();
            return lo + random.nextDouble() * (hi - lo);
        }

        int uniformInt(JsonNode p, String field) {
            JsonNode r = range(p, field);
            int lo = r.get(0).asInt();
            int hi = r.get(1).asInt();
            return lo + random.nextInt(hi - lo + 1);
        }

        /** A user with a home, a usual device and a usual order value. */
        final class User {
            final String id;
            final Place home;
            final String device;
            final double orderValue;
            int session;

            User(String id, Place home, String device, double orderValue) {
                this.id = id;
                this.home = home;
                this.device = device;
                this.orderValue = orderValue;
            }

            ObjectNode event(String type, long ts) {
                ObjectNode e = JSON.createObjectNode();
                String eventId = "e-" + Long.toHexString(random.nextLong()) + "-" + sequence++;
                e.put("event_id", eventId);
                e.put("user_id", id);
                e.put("type", type);
                e.put("ts", Instant.ofEpochMilli(ts).toString());
                e.put("session_id", "s-" + id + "-" + session);
                e.put("device", device);
                e.put("ip", "203.0.113." + Math.floorMod(id.hashCode(), 250));
                e.put("tz", home.tz());
                at(e, home.lat(), home.lon(), home.country());
                return e;
            }

            void emit(ObjectNode e) {
                long ts = Instant.parse(e.get("ts").asText()).toEpochMilli();
                try {
                    events.add(
                            new Labelled(
                                    id,
                                    ts,
                                    e.get("event_id").asText(),
                                    JSON.writeValueAsString(e).getBytes(StandardCharsets.UTF_8)));
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }

            void simple(String type, long ts) {
                ObjectNode e = event(type, ts);
                if (!type.startsWith("log") && !type.equals("password_change")) {
                    e.put("item_id", "sku-" + random.nextInt(3000));
                    e.put("category", CATEGORIES[random.nextInt(CATEGORIES.length)]);
                }
                emit(e);
            }

            void purchase(long ts, String order, double amount) {
                ObjectNode e = event("purchase", ts);
                e.put("item_id", "sku-" + random.nextInt(3000));
                e.put("category", CATEGORIES[random.nextInt(CATEGORIES.length)]);
                e.put("order_id", order);
                e.put("amount", money(amount));
                e.put("currency", "GBP");
                e.put("quantity", 1);
                emit(e);
            }

            String newOrder() {
                return "o-" + Long.toHexString(random.nextLong());
            }

            /**
             * A usual order value: lognormal around the user's own, cut at ±2.5 σ — a draw beyond
             * is not "usual", so it would make the label wrong.
             */
            double usualAmount(double sigma) {
                double g = Math.max(-2.5, Math.min(2.5, random.nextGaussian()));
                return orderValue * Math.exp(g * sigma);
            }

            /** {@code n} orders of usual value spread over the {@code days} before {@code t}. */
            void history(int n, long t, double days) {
                for (int i = 0; i < n; i++) {
                    long ts = t - (long) ((i + 1) * days * DAY / (n + 1));
                    simple("view", ts - 2 * MIN);
                    purchase(ts, newOrder(), usualAmount(0.3));
                }
            }
        }

        static BigDecimal money(double amount) {
            return BigDecimal.valueOf(Math.max(0.01, amount)).setScale(2, RoundingMode.HALF_EVEN);
        }

        static void at(ObjectNode e, double lat, double lon, String country) {
            ObjectNode geo = e.putObject("geo");
            geo.put("lat", Math.round(lat * 1e4) / 1e4);
            geo.put("lon", Math.round(lon * 1e4) / 1e4);
            if (country != null) {
                geo.put("country", country);
            }
        }

        User newUser(String episode, String label) {
            String id = "u-" + nextUser++;
            labels.put(id, label);
            episodes.put(id, episode);
            double value = uniform(need(spec, "background"), "order_value");
            return new User(
                    id,
                    HOMES[random.nextInt(HOMES.length)],
                    DEVICES[random.nextInt(DEVICES.length)],
                    value);
        }

        /** An episode start leaving {@code before} of history and {@code after} of episode. */
        long episodeStart(long before, long after) {
            long lo = start + before;
            long hi = end - after;
            return lo + (long) (random.nextDouble() * Math.max(1, hi - lo));
        }

        void background(JsonNode b) {
            int users = need(b, "users").asInt();
            double failedShare = need(b, "failed_login_share").asDouble();
            String[] types = {"view", "view", "view", "click", "search", "add_to_cart", "like"};
            for (int i = 0; i < users; i++) {
                User u = newUser("background", "none");
                int n = uniformInt(b, "events_per_user");
                String second = DEVICES[random.nextInt(DEVICES.length)];
                boolean twoDevices = uniformInt(b, "devices") == 2;
                boolean refunded = false;
                for (int k = 0; k < n; k++) {
                    long ts = start + (long) (random.nextDouble() * (end - start));
                    double r = random.nextDouble();
                    if (r < 0.1) {
                        ObjectNode e =
                                u.event(
                                        random.nextDouble() < failedShare
                                                ? "login_failed"
                                                : "login",
                                        ts);
                        if (twoDevices && random.nextBoolean()) {
                            e.put("device", second);
                        }
                        u.emit(e);
                    } else if (r < 0.18) {
                        u.purchase(
                                ts,
                                u.newOrder(),
                                u.usualAmount(b.path("order_value_sigma").asDouble(0.3)));
                    } else if (r < 0.19 && !refunded) {
                        refunded = true;
                        refund(u, ts, u.usualAmount(0.3));
                    } else {
                        u.simple(types[random.nextInt(types.length)], ts);
                    }
                }
            }
        }

        void refund(User u, long ts, double amount) {
            ObjectNode e = u.event("refund", ts);
            e.put("item_id", "sku-" + random.nextInt(3000));
            e.put("category", CATEGORIES[random.nextInt(CATEGORIES.length)]);
            e.put("amount", money(amount));
            e.put("currency", "GBP");
            u.emit(e);
        }

        void episode(String name, JsonNode p, User u) {
            switch (name) {
                case "account_takeover", "careful_returner", "password_forgetter" ->
                        takeover(p, u, !name.equals("password_forgetter"));
                case "card_testing", "slow_small_buyer" -> smallPurchases(p, u);
                case "wholesale_order" -> wholesale(p, u);
                case "impossible_travel", "airliner_traveller", "geo_jitter" -> travel(p, u);
                case "spend_spike", "generous_gift" -> spend(p, u);
                case "refund_abuse", "occasional_returner", "spread_returner" -> refunds(p, u);
                case "scraper", "fast_human" -> views(p, u);
                case "device_hopper", "new_phone" -> devices(p, u);
                default ->
                        throw new IllegalArgumentException(
                                "scenario spec: unknown episode '"
                                        + name
                                        + "' (known: see docs/anomaly.md#measurement)");
            }
        }

        /** Failed logins, a login, then a password change or a purchase (a factor of usual). */
        void takeover(JsonNode p, User u, boolean withHistory) {
            long t = episodeStart(3 * DAY, 2 * HOUR);
            if (withHistory) {
                u.history(uniformInt(p, "history_orders"), t, 2);
            } else {
                u.simple("view", t - DAY);
            }
            int failed = uniformInt(p, "failed_logins");
            for (int i = 0; i < failed; i++) {
                u.emit(u.event("login_failed", t));
                t += (long) (uniform(p, "gap_s") * 1000);
            }
            u.emit(u.event("login", t));
            u.session++;
            t += (long) (uniform(p, "trigger_after_s") * 1000);
            u.simple("view", t - 10_000);
            double passwordShare =
                    p.path("password_change_share").asDouble(p.has("purchase_factor") ? 0 : 1);
            if (random.nextDouble() < passwordShare) {
                u.emit(u.event("password_change", t));
            } else {
                u.purchase(t, u.newOrder(), u.orderValue * uniform(p, "purchase_factor"));
            }
        }

        void smallPurchases(JsonNode p, User u) {
            long t = episodeStart(HOUR, HOUR);
            u.simple("view", t - 5 * MIN);
            int n = uniformInt(p, "purchases");
            for (int i = 0; i < n; i++) {
                u.purchase(t, u.newOrder(), uniform(p, "amount"));
                t += (long) (uniform(p, "gap_s") * 1000);
            }
        }

        /** One order of many cheap lines, all at once. */
        void wholesale(JsonNode p, User u) {
            long t = episodeStart(HOUR, HOUR);
            u.simple("view", t - 5 * MIN);
            String order = u.newOrder();
            int lines = uniformInt(p, "lines");
            for (int i = 0; i < lines; i++) {
                u.purchase(t, order, uniform(p, "amount"));
            }
        }

        /** Home, then a login {@code km} away after {@code hours} (or at a speed, or minutes). */
        void travel(JsonNode p, User u) {
            double km = uniform(p, "km");
            double hours =
                    p.has("hours")
                            ? uniform(p, "hours")
                            : p.has("speed_kmh")
                                    ? km / uniform(p, "speed_kmh")
                                    : uniform(p, "minutes") / 60;
            long gap = (long) (hours * HOUR);
            long t = episodeStart(2 * HOUR, gap + HOUR);
            u.simple("view", t - 30 * MIN);
            u.emit(u.event("login", t));
            double bearing = random.nextDouble() * 2 * Math.PI;
            double[] to = destination(u.home.lat(), u.home.lon(), km, bearing);
            ObjectNode away = u.event("login", t + gap);
            away.remove("geo");
            at(away, to[0], to[1], null);
            u.emit(away);
        }

        /** The point {@code km} from (lat, lon) along {@code bearing} on a sphere of 6371 km. */
        static double[] destination(double lat, double lon, double km, double bearing) {
            double d = km / 6371.0088;
            double p1 = Math.toRadians(lat);
            double l1 = Math.toRadians(lon);
            double p2 =
                    Math.asin(
                            Math.sin(p1) * Math.cos(d)
                                    + Math.cos(p1) * Math.sin(d) * Math.cos(bearing));
            double l2 =
                    l1
                            + Math.atan2(
                                    Math.sin(bearing) * Math.sin(d) * Math.cos(p1),
                                    Math.cos(d) - Math.sin(p1) * Math.sin(p2));
            double lonDeg = Math.toDegrees(l2);
            lonDeg = ((lonDeg + 540) % 360) - 180;
            return new double[] {Math.toDegrees(p2), lonDeg};
        }

        void spend(JsonNode p, User u) {
            long t = episodeStart(15 * DAY, HOUR);
            u.history(uniformInt(p, "history_orders"), t, 14);
            u.purchase(t, u.newOrder(), u.orderValue * uniform(p, "factor"));
        }

        void refunds(JsonNode p, User u) {
            int n = uniformInt(p, "refunds");
            long total =
                    p.has("days")
                            ? (long) (uniform(p, "days") * DAY)
                            : (long) ((n - 1) * 5.0 * DAY);
            long t = episodeStart(DAY, total + HOUR);
            long ts = t;
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    ts += p.has("days") ? total / (n - 1) : (long) (uniform(p, "gap_days") * DAY);
                }
                double amount = u.usualAmount(0.3);
                u.purchase(ts - 2 * HOUR, u.newOrder(), amount);
                refund(u, ts, amount);
            }
        }

        void views(JsonNode p, User u) {
            long t = episodeStart(HOUR, HOUR);
            int n = uniformInt(p, "views");
            for (int i = 0; i < n; i++) {
                u.simple("view", t);
                t += (long) uniform(p, "interval_ms");
            }
        }

        void devices(JsonNode p, User u) {
            long t = episodeStart(HOUR, 2 * HOUR);
            int n = uniformInt(p, "devices");
            long span = (long) (uniform(p, "minutes") * MIN);
            List<String> pool = new ArrayList<>(List.of(DEVICES));
            pool.remove(u.device);
            for (int i = 0; i < n; i++) {
                ObjectNode e = u.event("login", t + span * i / Math.max(1, n - 1));
                if (i > 0) {
                    e.put("device", pool.remove(random.nextInt(pool.size())));
                }
                u.emit(e);
            }
        }
    }

    private Scenarios() {}
}
