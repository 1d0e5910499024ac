package io.portrait.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.anomaly.Alert;
import java.io.IOException;
import java.time.Instant;

/** Alerts as contract JSON on the alerts topic, keyed by user_id. */
public final class AlertSerializer extends JsonRecordSerializer<Alert> {

    public AlertSerializer(String topic) {
        super(topic);
    }

    @Override
    protected void write(JsonGenerator g, Alert a) throws IOException {
        g.writeStartObject();
        g.writeStringField("alert_id", a.alertId());
        g.writeStringField("user_id", a.userId());
        g.writeStringField("rule", a.rule());
        g.writeNumberField("rule_version", a.ruleVersion());
        g.writeStringField("severity", a.severity());
        g.writeStringField("ts", Instant.ofEpochMilli(a.ts()).toString());
        g.writeStringField("detected_at", Instant.ofEpochMilli(a.detectedAt()).toString());
        g.writeArrayFieldStart("event_ids");
        for (String id : a.eventIds()) {
            g.writeString(id);
        }
        g.writeEndArray();
        writeRawOrNull(g, "details", a.detailsJson());
        g.writeEndObject();
    }

    @Override
    protected String key(Alert a) {
        return a.userId();
    }

    @Override
    protected long timestamp(Alert a) {
        return a.ts();
    }
}
