package io.portrait.segment;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.sink.JsonRecordSerializer;
import java.io.IOException;
import java.time.Instant;

/**
 * A model version as a control record: key {@code centroids:segments}, envelope {@code
 * {"kind":"centroids","id":"segments","version","created_at","payload"}}.
 */
public final class SegmentModelSerializer extends JsonRecordSerializer<SegmentModel> {
    public static final String KEY = "centroids:" + SegmentModel.CONTROL_ID;

    public SegmentModelSerializer(String topic) {
        super(topic);
    }

    @Override
    protected void write(JsonGenerator g, SegmentModel m) throws IOException {
        g.writeStartObject();
        g.writeStringField("kind", "centroids");
        g.writeStringField("id", SegmentModel.CONTROL_ID);
        g.writeNumberField("version", m.version());
        g.writeStringField("created_at", Instant.now().toString());
        g.writeFieldName("payload");
        g.writeRawValue(m.toJson());
        g.writeEndObject();
    }

    @Override
    protected String key(SegmentModel m) {
        return KEY;
    }

    @Override
    protected long timestamp(SegmentModel m) {
        return System.currentTimeMillis();
    }
}
