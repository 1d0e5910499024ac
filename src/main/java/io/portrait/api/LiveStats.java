package io.portrait.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the dashboard shows live, from Kafka rather than from Flink's metrics (which restart with
 * the job): records per second into the events, dead-letter and alert topics, sampled from their
 * end offsets every {@code period}, and the newest alerts, tailed from the alert topic without a
 * consumer group. One background thread owns the Kafka clients; {@link #snapshot} only reads.
 */
public final class LiveStats implements AutoCloseable {
    static final int FEED = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Properties client;
    private final Map<String, String> topics; // label -> topic
    private final Duration period;
    private final Thread thread;
    private final Deque<JsonNode> recent = new ArrayDeque<>();
    private final Map<String, Long> totals = new HashMap<>();
    private final Map<String, Double> rates = new HashMap<>();
    private volatile String health = "starting";
    private volatile long sampledAt;
    private volatile boolean running = true;

    public LiveStats(
            Properties client,
            String eventsTopic,
            String dlqTopic,
            String alertsTopic,
            Duration period) {
        this.client = client;
        this.topics = Map.of("events", eventsTopic, "dlq", dlqTopic, "alerts", alertsTopic);
        this.period = period;
        this.thread = new Thread(this::loop, "portrait-api-live-stats");
        this.thread.setDaemon(true);
    }

    public LiveStats start() {
        thread.start();
        return this;
    }

    /** "ok", or why the last sample failed. */
    public String health() {
        return health;
    }

    public synchronized ObjectNode snapshot() {
        ObjectNode o = JSON.createObjectNode();
        o.put("sampled_at", sampledAt == 0 ? null : Instant.ofEpochMilli(sampledAt).toString());
        o.put("kafka", health);
        for (String label : List.of("events", "dlq", "alerts")) {
            o.put(label + "_total", totals.getOrDefault(label, 0L));
            o.put(label + "_per_s", Math.round(rates.getOrDefault(label, 0.0) * 10) / 10.0);
        }
        var feed = o.putArray("recent_alerts");
        recent.forEach(feed::add);
        return o;
    }

    private void loop() {
        Properties consumerProps = new Properties();
        consumerProps.putAll(client);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "portrait-api-alert-feed");
        try (Admin admin = Admin.create(client);
                KafkaConsumer<byte[], byte[]> feed =
                        new KafkaConsumer<>(
                                consumerProps,
                                new ByteArrayDeserializer(),
                                new ByteArrayDeserializer())) {
            Map<String, List<TopicPartition>> partitions = new HashMap<>();
            long previousAt = 0;
            while (running) {
                long t0 = System.nanoTime();
                try {
                    Map<String, Long> now = new HashMap<>();
                    for (var e : topics.entrySet()) {
                        List<TopicPartition> parts =
                                partitions.computeIfAbsent(e.getValue(), t -> new ArrayList<>());
                        if (parts.isEmpty()) {
                            parts.addAll(describe(admin, e.getValue()));
                            if (e.getKey().equals("alerts") && !parts.isEmpty()) {
                                tailFrom(feed, parts);
                            }
                        }
                        now.put(e.getKey(), endOffsets(admin, parts));
                    }
                    long at = System.currentTimeMillis();
                    List<JsonNode> alerts = new ArrayList<>();
                    if (!feed.assignment().isEmpty()) {
                        for (ConsumerRecord<byte[], byte[]> r : feed.poll(Duration.ofMillis(50))) {
                            try {
                                alerts.add(JSON.readTree(r.value()));
                            } catch (java.io.IOException notJson) {
                                // Not an alert document: not shown.
                            }
                        }
                    }
                    synchronized (this) {
                        for (var e : now.entrySet()) {
                            Long before = totals.put(e.getKey(), e.getValue());
                            if (before != null && previousAt > 0) {
                                rates.put(
                                        e.getKey(),
                                        (e.getValue() - before) * 1000.0 / (at - previousAt));
                            }
                        }
                        for (JsonNode a : alerts) {
                            recent.addFirst(a);
                            while (recent.size() > FEED) {
                                recent.removeLast();
                            }
                        }
                        sampledAt = at;
                    }
                    previousAt = at;
                    health = "ok";
                } catch (Exception e) {
                    health = "unavailable: " + e.getMessage();
                    partitions.clear();
                    if (e instanceof InterruptedException) {
                        return;
                    }
                }
                long sleep = period.toMillis() - (System.nanoTime() - t0) / 1_000_000;
                try {
                    Thread.sleep(Math.max(10, sleep));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static List<TopicPartition> describe(Admin admin, String topic) throws Exception {
        if (!admin.listTopics().names().get().contains(topic)) {
            return List.of();
        }
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        List<TopicPartition> out = new ArrayList<>();
        d.partitions().forEach(p -> out.add(new TopicPartition(topic, p.partition())));
        return out;
    }

    private static long endOffsets(Admin admin, List<TopicPartition> parts) throws Exception {
        if (parts.isEmpty()) {
            return 0;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        parts.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        long sum = 0;
        for (var r : admin.listOffsets(latest).all().get().values()) {
            sum += r.offset();
        }
        return sum;
    }

    /** Assigns the alert partitions, positioned at the last few alerts of each. */
    private static void tailFrom(KafkaConsumer<byte[], byte[]> feed, List<TopicPartition> parts) {
        feed.assign(parts);
        Map<TopicPartition, Long> end = feed.endOffsets(parts);
        for (TopicPartition tp : parts) {
            feed.seek(tp, Math.max(0, end.get(tp) - FEED / parts.size()));
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
