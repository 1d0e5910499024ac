package io.portrait.recommend;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.common.Rounding;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * A user's recommendation list as stored under {@code portrait:recommendations:<user_id>} and shown
 * as the profile's {@code recommendations} group: {@code {"updated_at":…,"items":[{"item_id",
 * "score","because":{"item_id","action"}}…]}}. Readers compose it into the profile at read time.
 */
public final class RecommendationJson {
    private static final JsonFactory JSON = new JsonFactory();

    private RecommendationJson() {}

    public static String of(RecommendationPart r) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("updated_at", Instant.ofEpochMilli(r.ts).toString());
            g.writeArrayFieldStart("items");
            for (int i = 0; i < r.items.length; i++) {
                g.writeStartObject();
                g.writeStringField("item_id", r.items[i]);
                g.writeNumberField("score", Rounding.round(r.scores[i], 4));
                g.writeObjectFieldStart("because");
                g.writeStringField("item_id", r.because[i]);
                if (r.actions[i] == null) {
                    g.writeNullField("action");
                } else {
                    g.writeStringField("action", r.actions[i]);
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * The profile as readers see it: the stored document with the user's list as its last group
     * ({@code recommendations}). A tombstone, or a user without a list, is returned as stored.
     */
    public static String compose(String document, String list) {
        if (document == null
                || list == null
                || !document.endsWith("}")
                || document.contains("\"erased\":true")) {
            return document;
        }
        return document.substring(0, document.length() - 1) + ",\"recommendations\":" + list + "}";
    }
}
