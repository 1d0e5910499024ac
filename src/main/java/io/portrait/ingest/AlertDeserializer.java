package io.portrait.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.anomaly.Alert;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads alerts back from {@code portrait.alerts.cep} (the CEP loop) in the contract's JSON, as
 * {@code AlertSerializer} writes them. The topic is internal: a record that does not parse is
 * logged and counted ({@code alertsUnreadable}), never fatal, because a compacted or shared topic
 * must not be able to stop the job.
 */
public final class AlertDeserializer implements KafkaRecordDeserializationSchema<Alert> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AlertDeserializer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private transient Counter unreadable;

    @Override
    public void open(
            org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext
                    context) {
        unreadable = context.getMetricGroup().counter("alertsUnreadable");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Alert> out) {
        if (record.value() == null) {
            return;
        }
        try {
            out.collect(parse(record.value()));
        } catch (Exception e) {
            if (unreadable != null) {
                unreadable.inc();
            }
            LOG.warn(
                    "unreadable alert at {}-{}@{}: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e.getMessage());
        }
    }

    /** One alert from its contract JSON. */
    public static Alert parse(byte[] json) throws java.io.IOException {
        JsonNode n = JSON.readTree(json);
        JsonNode ids = n.required("event_ids");
        String[] eventIds = new String[ids.size()];
        for (int i = 0; i < eventIds.length; i++) {
            eventIds[i] = ids.get(i).asText();
        }
        JsonNode details = n.get("details");
        return new Alert(
                n.required("alert_id").asText(),
                n.required("user_id").asText(),
                n.required("rule").asText(),
                n.required("rule_version").asInt(),
                n.required("severity").asText(),
                Instant.parse(n.required("ts").asText()).toEpochMilli(),
                Instant.parse(n.required("detected_at").asText()).toEpochMilli(),
                eventIds,
                details == null || details.isNull() ? null : details.toString());
    }

    @Override
    public TypeInformation<Alert> getProducedType() {
        return TypeInformation.of(Alert.class);
    }
}
