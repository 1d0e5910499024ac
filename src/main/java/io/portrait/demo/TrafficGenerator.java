package io.portrait.demo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.ingest.RejectReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Plausible behaviour traffic with ground truth. Users belong to archetypes (browsers, shoppers,
 * big spenders, social users, dormant users, and a few scraper bots) with their own mix of event
 * types, sessions, devices, places and currencies; purchases carry order ids (some orders span
 * several lines). A fraction of records is malformed — one per DLQ reason, in rotation — and a
 * fraction re-sends a recent valid record byte for byte (a duplicate). Deterministic for a seed;
 * each record says what it is, so tests and the demo can check the job against it.
 */
public final class TrafficGenerator {

    /** What a generated record is meant to be. */
    public enum Kind {
        VALID,
        DUPLICATE,
        MALFORMED
    }

    /** One record for the events topic. {@code reason} is set for malformed records. */
    public record Record(String userId, byte[] key, byte[] value, Kind kind, RejectReason reason) {}

    /** Behaviour archetypes: weights of view, click, search, cart, purchase, social, login. */
    enum Archetype {
        BROWSER(new double[] {60, 20, 15, 3, 0.5, 1, 0.5}, 20, 8),
        SHOPPER(new double[] {45, 15, 10, 15, 8, 2, 5}, 45, 15),
        BIG_SPENDER(new double[] {35, 10, 5, 20, 20, 2, 8}, 180, 30),
        SOCIAL(new double[] {30, 10, 5, 2, 1, 50, 2}, 25, 10),
        DORMANT(new double[] {70, 10, 10, 5, 3, 1, 1}, 30, 2),
        /** A scraper: one user in 2 000, very active, almost only views and clicks. */
        BOT(new double[] {90, 10, 0, 0, 0, 0, 0}, 0, 2000);

        final double[] weights;
        final double meanAmount;
        final int activity;

        Archetype(double[] weights, double meanAmount, int activity) {
            this.weights = weights;
            this.meanAmount = meanAmount;
            this.activity = activity;
        }
    }

    private static final String[] CATEGORIES = {
        "shoes",
        "books",
        "electronics",
        "garden",
        "toys",
        "beauty",
        "sports",
        "grocery",
        "fashion",
        "home"
    };
    private static final String[] DEVICES = {"mobile", "desktop", "tablet"};
    private static final String[][] PLACES = {
        {"GB", "Europe/London", "51.51", "-0.13", "GBP"},
        {"FR", "Europe/Paris", "48.86", "2.35", "EUR"},
        {"DE", "Europe/Berlin", "52.52", "13.40", "EUR"},
        {"US", "America/New_York", "40.71", "-74.01", "USD"},
        {"CN", "Asia/Shanghai", "31.23", "121.47", "CNY"}
    };
    private static final RejectReason[] MALFORMED_ROTATION = {
        RejectReason.NOT_JSON,
        RejectReason.TRUNCATED_JSON,
        RejectReason.MISSING_FIELD,
        RejectReason.WRONG_TYPE,
        RejectReason.UNKNOWN_TYPE,
        RejectReason.BAD_TIMESTAMP,
        RejectReason.FUTURE_TIMESTAMP,
        RejectReason.ANCIENT_TIMESTAMP,
        RejectReason.NEGATIVE_AMOUNT,
        RejectReason.INVALID_AMOUNT,
        RejectReason.UNKNOWN_CURRENCY,
        RejectReason.OVERSIZED,
        RejectReason.INVALID_UTF8,
        RejectReason.EMPTY_USER_ID
    };
    private static final JsonFactory JSON = new JsonFactory();

    private final SplittableRandom random;
    private final int users;
    private final LongSupplier clock;
    private final double malformedRate;
    private final double duplicateRate;
    private final List<Record> recent = new ArrayList<>();
    private final int[] archetypeOf;
    private final String[] openOrder;
    private final int[] session;
    private final double[] cumulativeActivity;
    private long sequence;
    private int malformedIndex;

    /**
     * @param clock event time of the next record (wall clock for live traffic, a simulated clock
     *     for tests)
     */
    public TrafficGenerator(
            long seed, int users, LongSupplier clock, double malformedRate, double duplicateRate) {
        this(seed, users, clock, malformedRate, duplicateRate, DEFAULT_MIX);
    }

    /** Default share of users per archetype, in {@link Archetype} order. */
    public static final double[] DEFAULT_MIX = {35, 30, 8, 15, 12, 0.05};

    /**
     * @param mix relative share of users per archetype (browser, shopper, big spender, social,
     *     dormant, bot)
     */
    public TrafficGenerator(
            long seed,
            int users,
            LongSupplier clock,
            double malformedRate,
            double duplicateRate,
            double[] mix) {
        if (users < 1) {
            throw new IllegalArgumentException("users must be at least 1");
        }
        this.random = new SplittableRandom(seed);
        this.users = users;
        this.clock = clock;
        this.malformedRate = malformedRate;
        this.duplicateRate = duplicateRate;
        this.archetypeOf = new int[users];
        this.openOrder = new String[users];
        this.session = new int[users];
        this.cumulativeActivity = new double[users];
        for (int u = 0; u < users; u++) {
            archetypeOf[u] = pick(mix);
        }
        reweigh();
    }

    private void reweigh() {
        Archetype[] types = Archetype.values();
        double sum = 0;
        for (int u = 0; u < users; u++) {
            sum += types[archetypeOf[u]].activity;
            cumulativeActivity[u] = sum;
        }
    }

    /**
     * Behaviour drift: every user of archetype {@code from} behaves as {@code to} from now on
     * (names as in {@link #archetypeNames()}).
     */
    public void drift(String from, String to) {
        int f = Archetype.valueOf(from).ordinal();
        int t = Archetype.valueOf(to).ordinal();
        for (int u = 0; u < users; u++) {
            if (archetypeOf[u] == f) {
                archetypeOf[u] = t;
            }
        }
        reweigh();
    }

    /** The archetype a user behaves as now. */
    public String archetype(String userId) {
        return Archetype.values()[archetypeOf[Integer.parseInt(userId.substring(2))]].name();
    }

    public static java.util.List<String> archetypeNames() {
        return java.util.Arrays.stream(Archetype.values()).map(Enum::name).toList();
    }

    /** Default mix: 1 % malformed, 2 % duplicates. */
    public static TrafficGenerator live(long seed, int users) {
        return new TrafficGenerator(seed, users, System::currentTimeMillis, 0.01, 0.02);
    }

    /** Ids of the users of the bot archetype (the data-quality stage should flag them). */
    public java.util.Set<String> botUserIds() {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (int u = 0; u < users; u++) {
            if (archetypeOf[u] == Archetype.BOT.ordinal()) {
                ids.add(userId(u));
            }
        }
        return ids;
    }

    public static String userId(int u) {
        return "u-" + u;
    }

    public Record next() {
        double r = random.nextDouble();
        if (r < duplicateRate && !recent.isEmpty()) {
            Record original = recent.get(random.nextInt(recent.size()));
            return new Record(
                    original.userId(), original.key(), original.value(), Kind.DUPLICATE, null);
        }
        int u = pickUser();
        if (r < duplicateRate + malformedRate) {
            return malformed(u);
        }
        byte[] value = validEvent(u, clock.getAsLong());
        Record rec = new Record(userId(u), key(u), value, Kind.VALID, null);
        if (recent.size() < 64) {
            recent.add(rec);
        } else {
            recent.set(random.nextInt(64), rec);
        }
        return rec;
    }

    private int pickUser() {
        double x = random.nextDouble() * cumulativeActivity[users - 1];
        int lo = 0;
        int hi = users - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulativeActivity[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private int pick(double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double x = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    private static byte[] key(int u) {
        return userId(u).getBytes(StandardCharsets.UTF_8);
    }

    private String[] place(int u) {
        // 60 % of users in the UK, the rest spread over the other places.
        return PLACES[Math.floorMod(u, 10) < 6 ? 0 : 1 + Math.floorMod(u, PLACES.length - 1)];
    }

    private byte[] validEvent(int u, long ts) {
        Archetype a = Archetype.values()[archetypeOf[u]];
        if (random.nextDouble() < 0.08) {
            session[u]++;
        }
        String[] place = place(u);
        // 5 % of events arrive a little out of order, within the watermark bound or just past it.
        long eventTs = random.nextDouble() < 0.05 ? ts - random.nextInt(4000) : ts;
        int kind = random.nextDouble() < 0.01 ? -1 : pick(a.weights);
        String type;
        switch (kind) {
            case -1 -> type = "profile_update";
            case 0 -> type = "view";
            case 1 -> type = "click";
            case 2 -> type = "search";
            case 3 -> type = random.nextDouble() < 0.8 ? "add_to_cart" : "remove_from_cart";
            case 4 -> type = random.nextDouble() < 0.93 ? "purchase" : "refund";
            case 5 -> type = new String[] {"like", "share", "follow"}[random.nextInt(3)];
            default ->
                    type =
                            random.nextDouble() < 0.85
                                    ? "login"
                                    : random.nextDouble() < 0.7 ? "login_failed" : "logout";
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField(
                    "event_id", "e-" + Long.toHexString(random.nextLong()) + "-" + sequence++);
            g.writeStringField("user_id", userId(u));
            g.writeStringField("type", type);
            g.writeStringField("ts", Instant.ofEpochMilli(eventTs).toString());
            g.writeStringField("session_id", "s-" + u + "-" + session[u]);
            String category =
                    CATEGORIES[
                            Math.floorMod(
                                    u * 7 + random.nextInt(3) * (random.nextDouble() < 0.7 ? 1 : 5),
                                    CATEGORIES.length)];
            if (!type.startsWith("login")
                    && !type.equals("logout")
                    && !type.equals("profile_update")) {
                g.writeStringField("item_id", "sku-" + random.nextInt(5000));
                g.writeStringField("category", category);
            }
            if (type.equals("purchase") || type.equals("refund")) {
                if (type.equals("purchase")) {
                    if (openOrder[u] == null || random.nextDouble() < 0.7) {
                        openOrder[u] = "o-" + Long.toHexString(random.nextLong());
                    }
                    g.writeStringField("order_id", openOrder[u]);
                }
                double amount =
                        Math.max(0.5, a.meanAmount * Math.exp(random.nextGaussian() * 0.6) * 0.85);
                g.writeFieldName("amount");
                g.writeNumber(BigDecimal.valueOf(amount).setScale(2, RoundingMode.HALF_EVEN));
                g.writeStringField("currency", place[4]);
                g.writeNumberField("quantity", 1 + random.nextInt(3));
            }
            g.writeStringField(
                    "device", DEVICES[Math.floorMod(u + (random.nextDouble() < 0.8 ? 0 : 1), 3)]);
            g.writeStringField("ip", "198.51.100." + Math.floorMod(u, 250));
            g.writeStringField("tz", place[1]);
            g.writeObjectFieldStart("geo");
            g.writeFieldName("lat");
            g.writeNumber(new BigDecimal(place[2]));
            g.writeFieldName("lon");
            g.writeNumber(new BigDecimal(place[3]));
            g.writeStringField("country", place[0]);
            g.writeEndObject();
            if (type.equals("profile_update")) {
                g.writeObjectFieldStart("attrs");
                g.writeNumberField("age", 18 + Math.floorMod(u * 13, 60));
                g.writeStringField("gender", Math.floorMod(u, 2) == 0 ? "f" : "m");
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    private Record malformed(int u) {
        RejectReason reason = MALFORMED_ROTATION[malformedIndex++ % MALFORMED_ROTATION.length];
        long now = clock.getAsLong();
        String valid = new String(validEvent(u, now), StandardCharsets.UTF_8);
        String id = "\"event_id\":\"bad-" + sequence++ + "\"";
        String base = valid.replaceFirst("\"event_id\":\"[^\"]*\"", id);
        byte[] value =
                switch (reason) {
                    case NOT_JSON -> utf8("this is not json at all");
                    case TRUNCATED_JSON -> utf8(base.substring(0, base.length() / 2));
                    case MISSING_FIELD -> utf8(base.replaceFirst("\"ts\":\"[^\"]*\",", ""));
                    case WRONG_TYPE ->
                            utf8(base.replaceFirst("\"type\":\"[^\"]*\"", "\"type\":42"));
                    case UNKNOWN_TYPE ->
                            utf8(base.replaceFirst("\"type\":\"[^\"]*\"", "\"type\":\"teleport\""));
                    case BAD_TIMESTAMP ->
                            utf8(base.replaceFirst("\"ts\":\"[^\"]*\"", "\"ts\":\"yesterday\""));
                    case FUTURE_TIMESTAMP ->
                            utf8(
                                    base.replaceFirst(
                                            "\"ts\":\"[^\"]*\"",
                                            "\"ts\":\""
                                                    + Instant.ofEpochMilli(now + 366L * 86_400_000L)
                                                    + "\""));
                    case ANCIENT_TIMESTAMP ->
                            utf8(
                                    base.replaceFirst(
                                            "\"ts\":\"[^\"]*\"",
                                            "\"ts\":\"1999-12-31T23:59:59Z\""));
                    case NEGATIVE_AMOUNT -> utf8(withAmount(base, "-5.00", "GBP"));
                    case INVALID_AMOUNT -> utf8(withAmount(base, "NaN", "GBP"));
                    case UNKNOWN_CURRENCY -> utf8(withAmount(base, "9.99", "ZZZ"));
                    case OVERSIZED ->
                            utf8(
                                    base.substring(0, base.length() - 1)
                                            + ",\"padding\":\""
                                            + "x".repeat(70_000)
                                            + "\"}");
                    case INVALID_UTF8 -> invalidUtf8(base);
                    case EMPTY_USER_ID ->
                            utf8(base.replaceFirst("\"user_id\":\"[^\"]*\"", "\"user_id\":\"  \""));
                    default -> throw new IllegalStateException("no malformed form for " + reason);
                };
        byte[] key = reason == RejectReason.EMPTY_USER_ID ? null : key(u);
        return new Record(userId(u), key, value, Kind.MALFORMED, reason);
    }

    private static String withAmount(String json, String amount, String currency) {
        String stripped =
                json.replaceFirst(",\"amount\":[^,}]*", "")
                        .replaceFirst(",\"currency\":\"[^\"]*\"", "");
        return stripped.substring(0, stripped.length() - 1)
                + ",\"amount\":"
                + amount
                + ",\"currency\":\""
                + currency
                + "\"}";
    }

    private static byte[] invalidUtf8(String json) {
        byte[] b = utf8(json);
        byte[] out = new byte[b.length + 2];
        System.arraycopy(b, 0, out, 0, b.length - 1);
        out[b.length - 1] = (byte) 0xC3;
        out[b.length] = (byte) 0x28;
        out[b.length + 1] = '}';
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
