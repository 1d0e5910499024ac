package io.portrait.anomaly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.event.EventType;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * A dynamic threshold rule from {@code portrait.control} (kind {@code rule}, docs/rules.md): an
 * aggregate over the user's events that pass a filter, in a sliding event-time window, compared
 * with a threshold. Parsed and validated once; invalid payloads go to the control DLQ.
 *
 * @param typeMask bit {@code slot} set for each event type in the filter; all bits when none given
 * @param categories sorted 64-bit hashes of the filter's categories; empty matches every event
 * @param minAmount the filter's minimum amount in the base currency's major unit, or NaN
 */
public record Rule(
        String id,
        long version,
        boolean enabled,
        int typeMask,
        long[] categories,
        double minAmount,
        Aggregate fn,
        Field field,
        long windowMillis,
        double threshold,
        String severity)
        implements Serializable {

    /** The longest window a rule may have (the history it needs is kept per user). */
    public static final Duration MAX_WINDOW = Duration.ofDays(31);

    /** Rule names reserved by the built-in detectors. */
    public static final Set<String> BUILT_IN =
            Set.of(
                    Patterns.ACCOUNT_TAKEOVER,
                    Patterns.CARD_TESTING,
                    Patterns.IMPOSSIBLE_TRAVEL,
                    Patterns.SPEND_SPIKE,
                    Patterns.REFUND_ABUSE,
                    "bot_burst");

    private static final Set<String> SEVERITIES = Set.of("low", "medium", "high");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a rule computes over the window. */
    public enum Aggregate {
        COUNT,
        SUM,
        DISTINCT
    }

    /** Fields a rule can aggregate: the amount (sum) or an identifier (distinct). */
    public enum Field {
        AMOUNT("amount"),
        ITEM_ID("item_id"),
        CATEGORY("category"),
        ORDER_ID("order_id"),
        SESSION_ID("session_id"),
        DEVICE("device"),
        IP("ip"),
        COUNTRY("country");

        final String wire;

        Field(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static Field of(String name) {
            for (Field f : values()) {
                if (f.wire.equals(name)) {
                    return f;
                }
            }
            return null;
        }

        /** The identifier fields, in digest order (docs/rules.md). */
        static final Field[] IDENTIFIERS = Arrays.copyOfRange(values(), 1, values().length);
    }

    /** Parses and validates a rule payload; the message says which field to fix. */
    public static Rule parse(String id, long version, String payload) {
        if (BUILT_IN.contains(id)) {
            throw new IllegalArgumentException(
                    "rule id '" + id + "' is a built-in detector's name; choose another");
        }
        if (!id.matches("[a-z0-9][a-z0-9_.-]{0,63}")) {
            throw new IllegalArgumentException(
                    "rule id must be 1-64 of [a-z0-9_.-], starting with a letter or digit: " + id);
        }
        if (version < 1) {
            throw new IllegalArgumentException("rule version must be >= 1");
        }
        JsonNode p;
        try {
            p = JSON.readTree(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode idNode = p.get("id");
        if (idNode != null && !id.equals(idNode.asText())) {
            throw new IllegalArgumentException(
                    "payload id '"
                            + idNode.asText()
                            + "' differs from the envelope id '"
                            + id
                            + "'");
        }
        JsonNode enabledNode = p.get("enabled");
        if (enabledNode != null && !enabledNode.isBoolean()) {
            throw new IllegalArgumentException("enabled must be true or false");
        }
        boolean enabled = enabledNode == null || enabledNode.booleanValue();

        int typeMask = 0;
        long[] categories = new long[0];
        double minAmount = Double.NaN;
        JsonNode filter = p.get("filter");
        if (filter != null && !filter.isNull()) {
            if (!filter.isObject()) {
                throw new IllegalArgumentException("filter must be an object");
            }
            for (JsonNode t : array(filter, "filter.types")) {
                EventType type = EventType.fromWire(t.asText());
                if (type == null || type == EventType.ERASE) {
                    throw new IllegalArgumentException(
                            "filter.types: unknown event type '" + t.asText() + "'");
                }
                typeMask |= 1 << type.slot();
            }
            categories =
                    array(filter, "filter.categories").stream()
                            .mapToLong(c -> RuleDigest.hash(c.asText()))
                            .sorted()
                            .toArray();
            JsonNode min = filter.get("min_amount");
            if (min != null && !min.isNull()) {
                if (!min.isNumber() || min.doubleValue() < 0) {
                    throw new IllegalArgumentException("filter.min_amount must be a number >= 0");
                }
                minAmount = min.doubleValue();
            }
        }
        if (typeMask == 0) {
            typeMask = ~(1 << EventType.ERASE.slot());
        }

        JsonNode agg = p.get("aggregate");
        if (agg == null || !agg.isObject()) {
            throw new IllegalArgumentException(
                    "aggregate must be an object {\"fn\":\"count|sum|distinct\",\"field\":…}");
        }
        Aggregate fn;
        try {
            fn = Aggregate.valueOf(agg.path("fn").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "aggregate.fn must be count, sum or distinct, got '"
                            + agg.path("fn").asText()
                            + "'");
        }
        Field field = null;
        String fieldName = agg.path("field").asText(null);
        if (fn == Aggregate.SUM) {
            if (fieldName != null && !"amount".equals(fieldName)) {
                throw new IllegalArgumentException("aggregate.field of sum must be 'amount'");
            }
            field = Field.AMOUNT;
        } else if (fn == Aggregate.DISTINCT) {
            field = fieldName == null ? null : Field.of(fieldName);
            if (field == null || field == Field.AMOUNT) {
                throw new IllegalArgumentException(
                        "aggregate.field of distinct must be one of "
                                + Arrays.stream(Field.IDENTIFIERS).map(Field::wire).toList()
                                + ", got "
                                + fieldName);
            }
        }

        Duration window;
        try {
            window = Duration.parse(p.path("window").asText(""));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "window must be an ISO-8601 duration such as PT1M, got '"
                            + p.path("window").asText()
                            + "'");
        }
        if (window.isNegative() || window.isZero() || window.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("window must be > 0 and <= " + MAX_WINDOW);
        }
        JsonNode threshold = p.get("threshold");
        if (threshold == null || !threshold.isNumber() || !(threshold.doubleValue() > 0)) {
            throw new IllegalArgumentException("threshold must be a number > 0");
        }
        String severity = p.path("severity").asText("medium");
        if (!SEVERITIES.contains(severity)) {
            throw new IllegalArgumentException(
                    "severity must be low, medium or high, got '" + severity + "'");
        }
        return new Rule(
                id,
                version,
                enabled,
                typeMask,
                categories,
                minAmount,
                fn,
                field,
                window.toMillis(),
                threshold.doubleValue(),
                severity);
    }

    private static java.util.List<JsonNode> array(JsonNode filter, String name) {
        JsonNode n = filter.get(name.substring(name.indexOf('.') + 1));
        if (n == null || n.isNull()) {
            return java.util.List.of();
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(name + " must be an array of strings");
        }
        java.util.List<JsonNode> out = new java.util.ArrayList<>();
        n.forEach(
                e -> {
                    if (!e.isTextual()) {
                        throw new IllegalArgumentException(name + " must hold strings only");
                    }
                    out.add(e);
                });
        return out;
    }

    /** Whether an event (as a digest) passes the filter; {@code minAmountMinor} < 0: none. */
    boolean matches(RuleDigest d, long minAmountMinor) {
        if ((typeMask & (1 << d.type)) == 0) {
            return false;
        }
        if (categories.length > 0
                && (d.hash(Field.CATEGORY) == 0
                        || Arrays.binarySearch(categories, d.hash(Field.CATEGORY)) < 0)) {
            return false;
        }
        return minAmountMinor < 0 || (d.amountMinor >= 0 && d.amountMinor >= minAmountMinor);
    }

    /** The rule's identity in state: a new version starts its aggregate afresh from history. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Rule r && r.id.equals(id) && r.version == version;
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + Long.hashCode(version);
    }
}
