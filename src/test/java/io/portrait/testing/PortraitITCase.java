package io.portrait.testing;

import java.nio.file.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Base of the end-to-end tests: per test class, a Flink MiniCluster (TestClusters), a real Kafka
 * broker and a real Redis server (LocalServices), all on ephemeral ports.
 */
public abstract class PortraitITCase {
    protected static final Path WORK = TestClusters.workDir();

    @RegisterExtension
    protected static final MiniClusterExtension FLINK = TestClusters.miniCluster(WORK);

    protected static LocalServices services;

    @BeforeAll
    static void startServices() {
        services = LocalServices.start();
    }

    @AfterAll
    static void stopServices() {
        services.close();
    }

    /** A job environment on this class's MiniCluster. */
    protected static StreamExecutionEnvironment environment() {
        return TestClusters.environment(WORK);
    }

    /** Sends one record with UTF-8 key and value ({@code null} value: a tombstone). */
    protected static void send(
            org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer,
            String topic,
            String key,
            String value) {
        producer.send(
                new org.apache.kafka.clients.producer.ProducerRecord<>(
                        topic,
                        key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        value == null
                                ? null
                                : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * An event's JSON: the required fields, then {@code extra} as name/value pairs of strings (e.g.
     * {@code "category", "books"}).
     */
    protected static String eventJson(
            String id, String user, String type, long ts, String... extra) {
        StringBuilder b =
                new StringBuilder("{\"event_id\":\"")
                        .append(id)
                        .append("\",\"user_id\":\"")
                        .append(user)
                        .append("\",\"type\":\"")
                        .append(type)
                        .append("\",\"ts\":\"")
                        .append(java.time.Instant.ofEpochMilli(ts))
                        .append('"');
        for (int i = 0; i + 1 < extra.length; i += 2) {
            b.append(",\"").append(extra[i]).append("\":\"").append(extra[i + 1]).append('"');
        }
        return b.append('}').toString();
    }
}
