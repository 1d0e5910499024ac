package io.portrait.cli;

import io.portrait.config.PortraitConfig;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Sends one record to the control topic, for the commands that publish models and rules. */
final class ControlTopic {
    private ControlTopic() {}

    /** Sends {@code value} ({@code null}: a tombstone) under {@code key}, waiting for acks=all. */
    static void send(PortraitConfig config, String key, byte[] value) throws Exception {
        Properties p = config.kafkaClientProperties();
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(
                            new ProducerRecord<>(
                                    config.controlTopic(),
                                    key.getBytes(StandardCharsets.UTF_8),
                                    value))
                    .get();
        }
    }
}
