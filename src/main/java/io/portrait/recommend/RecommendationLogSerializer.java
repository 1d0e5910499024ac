package io.portrait.recommend;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.sink.JsonRecordSerializer;
import java.io.IOException;
import java.time.Instant;

/**
 * A line of the recommendation log: {@code
 * {"user_id","ts","items":[{"item_id","score","because"}]}}, keyed by user, timestamped with the
 * event time of the list.
 */
public final class RecommendationLogSerializer extends JsonRecordSerializer<RecommendationLog> {

    public RecommendationLogSerializer(String topic) {
        super(topic);
    }

    @Override
    protected void write(JsonGenerator g, RecommendationLog log) throws IOException {
        RecommendationPart p = log.part;
        g.writeStartObject();
        g.writeStringField("user_id", log.userId);
        g.writeStringField("ts", Instant.ofEpochMilli(p.ts).toString());
        g.writeArrayFieldStart("items");
        for (int i = 0; i < p.items.length; i++) {
            g.writeStartObject();
            g.writeStringField("item_id", p.items[i]);
            g.writeNumberField("score", Math.round(p.scores[i] * 1e4) / 1e4);
            g.writeStringField("because", p.because[i]);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    @Override
    protected String key(RecommendationLog log) {
        return log.userId;
    }

    @Override
    protected long timestamp(RecommendationLog log) {
        return log.part.ts;
    }
}
