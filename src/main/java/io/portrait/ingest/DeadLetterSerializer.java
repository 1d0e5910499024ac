package io.portrait.ingest;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.event.DeadLetter;
import io.portrait.sink.JsonRecordSerializer;
import java.io.IOException;
import java.time.Instant;

/**
 * Writes a {@link DeadLetter} as the DLQ JSON of the contract: {@code {"reason","detail","raw" or
 * "raw_b64","truncated","source":{"topic","partition","offset"},"ts"}}, keyed by user_id when the
 * input had a readable key. The Kafka timestamp is the rejection time.
 */
public final class DeadLetterSerializer extends JsonRecordSerializer<DeadLetter> {

    public DeadLetterSerializer(String topic) {
        super(topic);
    }

    /** The contract JSON of a dead letter. */
    public static byte[] json(DeadLetter dl) {
        return new DeadLetterSerializer("").toJson(dl);
    }

    @Override
    protected void write(JsonGenerator g, DeadLetter dl) throws IOException {
        g.writeStartObject();
        g.writeStringField("reason", dl.reason());
        g.writeStringField("detail", dl.detail());
        if (dl.raw() != null) {
            g.writeStringField("raw", dl.raw());
        } else {
            g.writeStringField("raw_b64", dl.rawB64());
        }
        g.writeBooleanField("truncated", dl.truncated());
        g.writeObjectFieldStart("source");
        g.writeStringField("topic", dl.sourceTopic());
        g.writeNumberField("partition", dl.sourcePartition());
        g.writeNumberField("offset", dl.sourceOffset());
        g.writeEndObject();
        g.writeStringField("ts", Instant.ofEpochMilli(dl.ts()).toString());
        g.writeEndObject();
    }

    @Override
    protected String key(DeadLetter dl) {
        return dl.key();
    }

    @Override
    protected long timestamp(DeadLetter dl) {
        return dl.ts();
    }
}
