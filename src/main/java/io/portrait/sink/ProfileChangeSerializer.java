package io.portrait.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.profile.ProfileChange;
import java.io.IOException;
import java.time.Instant;

/** {@link ProfileChange}s as contract JSON on {@code portrait.changes}, keyed by user_id. */
public final class ProfileChangeSerializer extends JsonRecordSerializer<ProfileChange> {

    public ProfileChangeSerializer(String topic) {
        super(topic);
    }

    @Override
    protected void write(JsonGenerator g, ProfileChange c) throws IOException {
        g.writeStartObject();
        g.writeStringField("user_id", c.userId());
        g.writeStringField("ts", Instant.ofEpochMilli(c.ts()).toString());
        g.writeStringField("kind", c.kind());
        writeRawOrNull(g, "from", c.from());
        writeRawOrNull(g, "to", c.to());
        g.writeNumberField("profile_version", c.profileVersion());
        g.writeEndObject();
    }

    @Override
    protected String key(ProfileChange c) {
        return c.userId();
    }

    @Override
    protected long timestamp(ProfileChange c) {
        return c.ts();
    }
}
