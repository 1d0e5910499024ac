package io.portrait.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.RedisAddress;
import io.portrait.config.RedisKeys;
import io.portrait.sink.RedisConnections;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.ScanIteration;
import redis.clients.jedis.UnifiedJedis;

/**
 * The demo's closing line, counted from the sinks — never from metrics, which double-count after a
 * restore: {@code events} = records in the events topic, {@code dlq} = records in the dead-letter
 * topic, {@code accepted} = the sum of {@code counts.total} over the profiles in Redis, {@code
 * profiles} = profile keys in Redis, {@code alerts} = distinct alert ids in the alerts topic. The
 * job keeps no sink of duplicates, so {@code duplicates} = events − accepted − dlq (see
 * docs/decisions/0002-summary-counts.md); the demo prints the generator's own ground truth beside
 * it for comparison.
 */
public record Summary(
        long events, long accepted, long dlq, long duplicates, long profiles, long alerts) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public String line() {
        return "summary: events="
                + events
                + " accepted="
                + accepted
                + " dlq="
                + dlq
                + " duplicates="
                + duplicates
                + " profiles="
                + profiles
                + " alerts="
                + alerts;
    }

    public static Summary collect(
            String bootstrap,
            String eventsTopic,
            String dlqTopic,
            String alertsTopic,
            RedisAddress redis) {
        long events = recordsIn(bootstrap, eventsTopic);
        long dlq = recordsIn(bootstrap, dlqTopic);
        long[] profiles = profileTotals(redis);
        long alerts = distinctAlertIds(bootstrap, alertsTopic);
        return new Summary(
                events, profiles[1], dlq, events - profiles[1] - dlq, profiles[0], alerts);
    }

    /** Records in a topic written without transactions: end offsets minus start offsets. */
    public static long recordsIn(String bootstrap, String topic) {
        return recordsIn(adminSettings(bootstrap), topic);
    }

    /** As {@link #recordsIn(String, String)}, with Kafka client settings (security included). */
    public static long recordsIn(java.util.Properties client, String topic) {
        try (Admin admin = Admin.create(client)) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return 0;
            }
            List<TopicPartition> parts = partitions(admin, topic);
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new java.util.HashMap<>();
            parts.forEach(
                    tp -> {
                        latest.put(tp, OffsetSpec.latest());
                        earliest.put(tp, OffsetSpec.earliest());
                    });
            long sum = 0;
            var end = admin.listOffsets(latest).all().get();
            var start = admin.listOffsets(earliest).all().get();
            for (TopicPartition tp : parts) {
                sum += end.get(tp).offset() - start.get(tp).offset();
            }
            return sum;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Cannot read offsets of " + topic + ": " + e.getCause(), e);
        }
    }

    /** [profile keys, sum of counts.total] over every profile in Redis. */
    public static long[] profileTotals(RedisAddress redis) {
        long keys = 0;
        long total = 0;
        try (UnifiedJedis j = RedisConnections.client(redis, "portrait-summary", 10_000)) {
            // Every node of a cluster is scanned; values are fetched key by key in one pipeline
            // per page (MGET cannot span a cluster's hash slots).
            ScanIteration scan = j.scanIteration(1000, RedisKeys.PROFILE_PREFIX + "*");
            while (!scan.isIterationCompleted()) {
                List<String> batch = scan.nextBatch().getResult();
                if (batch.isEmpty()) {
                    continue;
                }
                keys += batch.size();
                List<Response<String>> docs = new java.util.ArrayList<>(batch.size());
                try (AbstractPipeline p = j.pipelined()) {
                    for (String key : batch) {
                        docs.add(p.get(key));
                    }
                    p.sync();
                }
                for (Response<String> doc : docs) {
                    total += countsTotal(doc.get());
                }
            }
        }
        return new long[] {keys, total};
    }

    static long countsTotal(String doc) {
        if (doc == null) {
            return 0;
        }
        try {
            JsonNode n = MAPPER.readTree(doc).path("counts").path("total");
            return n.asLong(0);
        } catch (IOException e) {
            return 0;
        }
    }

    static long distinctAlertIds(String bootstrap, String topic) {
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, topic)) {
            try {
                JsonNode id = MAPPER.readTree(r.value()).get("alert_id");
                if (id != null) {
                    ids.add(id.asText());
                }
            } catch (IOException | RuntimeException ignored) {
                // Not an alert document; not counted.
            }
        }
        return ids.size();
    }

    /** Every committed record of a topic, from the beginning to the current end. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (Admin admin = admin(bootstrap);
                KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return out;
            }
            List<TopicPartition> parts = partitions(admin, topic);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Timed out reading " + topic);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot read " + topic + ": " + e.getCause(), e);
        }
        return out;
    }

    static List<TopicPartition> partitions(Admin admin, String topic)
            throws InterruptedException, ExecutionException {
        return admin
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get()
                .get(topic)
                .partitions()
                .stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
    }

    static Admin admin(String bootstrap) {
        return Admin.create(adminSettings(bootstrap));
    }

    private static java.util.Properties adminSettings(String bootstrap) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return p;
    }

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5000),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }
}
