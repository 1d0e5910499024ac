package io.portrait.testing;

import io.portrait.config.PortraitConfig;
import io.portrait.config.Topics;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.RedisServerProcess;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * A real Kafka broker (in-process KRaft) and a real Redis server for an integration test, with the
 * job's topics created. Close it in {@code @AfterAll}.
 */
public final class LocalServices implements AutoCloseable {
    public final EmbeddedKafka kafka;
    public final RedisServerProcess redis;

    private LocalServices(EmbeddedKafka kafka, RedisServerProcess redis) {
        this.kafka = kafka;
        this.redis = redis;
    }

    public static LocalServices start() {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        RedisServerProcess redis = RedisServerProcess.start();
        EmbeddedKafka.createTopics(
                kafka.bootstrapServers(),
                List.of(
                        new NewTopic(Topics.EVENTS, 2, (short) 1),
                        new NewTopic(Topics.EVENTS_DLQ, 1, (short) 1),
                        new NewTopic(Topics.CONTROL, 1, (short) 1)
                                .configs(Map.of("cleanup.policy", "compact")),
                        new NewTopic(Topics.CONTROL_DLQ, 1, (short) 1),
                        new NewTopic(Topics.ALERTS, 1, (short) 1),
                        new NewTopic(Topics.ALERTS_CEP, 1, (short) 1),
                        new NewTopic(Topics.CHANGES, 1, (short) 1)));
        return new LocalServices(kafka, redis);
    }

    /** Job settings pointing at these services, with a fresh consumer group. */
    public PortraitConfig config(Map<String, String> overrides) {
        Map<String, String> m = new HashMap<>(overrides);
        m.put("portrait.kafka.bootstrap-servers", kafka.bootstrapServers());
        m.put("portrait.redis.url", redis.url());
        m.putIfAbsent("portrait.kafka.group-id", "it-" + UUID.randomUUID());
        return PortraitConfig.defaults().with(m);
    }

    /** A producer whose flush() and close() fail if any record was not delivered. */
    public KafkaProducer<byte[], byte[]> producer() {
        return new CheckedProducer(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        2 * 1024 * 1024));
    }

    @Override
    public void close() {
        try {
            redis.close();
        } finally {
            kafka.close();
        }
    }
}
