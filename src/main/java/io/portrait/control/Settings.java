package io.portrait.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.util.TimeUtils;

/**
 * Settings that can change at run time through the control topic (kind {@code setting}). Payload:
 * {@code {"value": "500 ms"}} (Flink duration syntax or ISO-8601). A tombstone for the key restores
 * the configured default.
 */
public enum Settings {
    FLUSH_INTERVAL("flush.interval", Duration.ofMillis(1)),
    DEDUP_HORIZON("dedup.horizon", Duration.ofSeconds(1));

    public static final String KIND = "setting";

    private final String id;
    private final Duration minimum;

    Settings(String id, Duration minimum) {
        this.id = id;
        this.minimum = minimum;
    }

    public String id() {
        return id;
    }

    public static Settings byId(String id) {
        for (Settings s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        return null;
    }

    /** Parses and validates a payload; throws IllegalArgumentException saying what is wrong. */
    public Duration parse(JsonNode payload) {
        JsonNode v = payload == null ? null : payload.get("value");
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(
                    "setting " + id + " needs payload {\"value\": \"<duration>\"}");
        }
        Duration d = parseDuration(v.textValue());
        if (d.compareTo(minimum) < 0) {
            throw new IllegalArgumentException(
                    "setting " + id + " must be at least " + minimum + ", got " + d);
        }
        return d;
    }

    static Duration parseDuration(String text) {
        String t = text.trim();
        try {
            return t.startsWith("P") || t.startsWith("p")
                    ? Duration.parse(t)
                    : TimeUtils.parseDuration(t);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration (write e.g. \"500 ms\" or \"PT0.5S\")");
        }
    }

    /** The value in force: the newest control record for this setting, else the default. */
    public Duration valueIn(
            ReadOnlyBroadcastState<String, ControlMessage> state, Duration defaultValue)
            throws Exception {
        ControlMessage m = state.get(KIND + ":" + id);
        return m == null ? defaultValue : parse(ControlParser.readTree(m.payload()));
    }
}
