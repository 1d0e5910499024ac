package io.portrait.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.event.DeadLetter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Set;

/**
 * Validates control envelopes. An invalid record becomes a dead letter for {@code
 * portrait.control.dlq}, so the last good record for its key stays in force and a bad record can
 * never crash the job, even when the compacted topic is re-read after a restore.
 */
public final class ControlParser {

    public static final Set<String> KINDS = Set.of("centroids", "model", "rule", Settings.KIND);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int RAW_CAP = 4096;

    private ControlParser() {}

    static JsonNode readTree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ControlRecord parse(
            byte[] key, byte[] value, String topic, int partition, long offset, long nowMillis) {
        String keyText = key == null ? null : new String(key, StandardCharsets.UTF_8);
        try {
            if (keyText == null || !keyText.contains(":")) {
                throw new IllegalArgumentException("key must be '<kind>:<id>', got " + keyText);
            }
            if (value == null) {
                int colon = keyText.indexOf(':');
                String kind = keyText.substring(0, colon);
                if (!KINDS.contains(kind)) {
                    throw new IllegalArgumentException(
                            "unknown kind '" + kind + "' in tombstone key");
                }
                return new ControlRecord(
                        new ControlMessage(kind, keyText.substring(colon + 1), 0, 0, null, true),
                        null);
            }
            JsonNode root = MAPPER.readTree(value);
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("envelope must be a JSON object");
            }
            String kind = text(root, "kind");
            String id = text(root, "id");
            if (!KINDS.contains(kind)) {
                throw new IllegalArgumentException(
                        "kind must be one of " + KINDS + ", got " + kind);
            }
            if (!keyText.equals(kind + ":" + id)) {
                throw new IllegalArgumentException(
                        "key '" + keyText + "' does not match envelope " + kind + ":" + id);
            }
            JsonNode version = root.get("version");
            if (version == null || !version.isIntegralNumber() || version.longValue() < 0) {
                throw new IllegalArgumentException("version must be a non-negative integer");
            }
            JsonNode created = root.get("created_at");
            long createdAt = nowMillis;
            if (created != null && created.isIntegralNumber()) {
                createdAt = created.longValue();
            } else if (created != null && created.isTextual()) {
                createdAt = OffsetDateTime.parse(created.textValue()).toInstant().toEpochMilli();
            }
            JsonNode payload = root.get("payload");
            if (payload == null || !payload.isObject()) {
                throw new IllegalArgumentException("payload must be a JSON object");
            }
            if ("centroids".equals(kind)
                    && io.portrait.segment.SegmentModel.CONTROL_ID.equals(id)) {
                io.portrait.segment.SegmentModel.fromJson(version.longValue(), payload.toString());
            }
            if ("model".equals(kind)) {
                io.portrait.predict.ModelRef.fromPayload(
                        id, version.longValue(), payload.toString());
            }
            if ("rule".equals(kind)) {
                io.portrait.anomaly.Rule.parse(id, version.longValue(), payload.toString());
            }
            if (Settings.KIND.equals(kind)) {
                Settings setting = Settings.byId(id);
                if (setting == null) {
                    throw new IllegalArgumentException(
                            "unknown setting '"
                                    + id
                                    + "'; known: flush.interval,"
                                    + " dedup.horizon");
                }
                setting.parse(payload);
            }
            return new ControlRecord(
                    new ControlMessage(
                            kind, id, version.longValue(), createdAt, payload.toString(), false),
                    null);
        } catch (IOException | RuntimeException e) {
            String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new ControlRecord(
                    null, deadLetter(detail, keyText, value, topic, partition, offset, nowMillis));
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual() || n.textValue().isBlank()) {
            throw new IllegalArgumentException(field + " must be a non-empty string");
        }
        return n.textValue();
    }

    private static DeadLetter deadLetter(
            String detail,
            String key,
            byte[] value,
            String topic,
            int partition,
            long offset,
            long now) {
        byte[] bytes = value == null ? new byte[0] : value;
        boolean truncated = bytes.length > RAW_CAP;
        byte[] kept = truncated ? java.util.Arrays.copyOf(bytes, RAW_CAP) : bytes;
        return new DeadLetter(
                "invalid_control",
                detail,
                null,
                Base64.getEncoder().encodeToString(kept),
                truncated,
                topic,
                partition,
                offset,
                now,
                key);
    }
}
