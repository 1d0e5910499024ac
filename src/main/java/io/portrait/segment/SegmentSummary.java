package io.portrait.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.config.RedisKeys;
import io.portrait.profile.ProfileRecord;

/**
 * The {@code portrait:segments} document: the model version, the features and, per segment, id,
 * label, size and centroid in standardised and original units. It begins with {@code
 * {"epoch":0,"version":V,} so the Redis sink's versioned upsert keeps the newest.
 */
public final class SegmentSummary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SegmentSummary() {}

    public static ProfileRecord of(SegmentModel m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("epoch", 0);
        o.put("version", m.version());
        o.put("model_version", Long.toString(m.version()));
        o.setAll((ObjectNode) readTree(m.toJson()));
        return new ProfileRecord(RedisKeys.SEGMENTS, null, 0, m.version(), o.toString(), false);
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
