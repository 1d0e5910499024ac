package io.portrait.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.config.RedisAddress;
import io.portrait.config.RedisKeys;
import io.portrait.demo.Scenarios;
import io.portrait.demo.Summary;
import io.portrait.sink.RedisConnections;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import redis.clients.jedis.Jedis;

/**
 * Inputs with known answers and the checks of the fault tests: labelled scenario events with
 * duplicates and malformed records mixed in, the exact per-user counts they must produce, and the
 * comparison of what a run left in Redis and on the alerts topic.
 */
public final class RunCheck {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A record to send, and whether it is a distinct valid event. */
    public record Input(String key, byte[] value, boolean valid) {}

    /** What the job must produce for an input. */
    public record Workload(List<Input> records, Map<String, Long> expectedTotals) {
        public long validEvents() {
            return expectedTotals.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private RunCheck() {}

    static final long DUPLICATE_WITHIN_MS = java.time.Duration.ofHours(12).toMillis();

    /**
     * The scenario stream scaled to about {@code events} events (background users and episodes
     * multiplied alike), with 2 % duplicates (the same bytes again, a little later and within 12 h
     * of event time, inside the de-duplication horizon) and 0.5 % malformed records.
     */
    public static Workload scenarioWorkload(long events, long seed) {
        ObjectNode spec = Scenarios.defaultSpec().deepCopy();
        double scale = events / 45_600.0;
        spec.put("seed", seed);
        ObjectNode bg = (ObjectNode) spec.get("background");
        bg.put("users", Math.max(10, Math.round(bg.get("users").asInt() * scale)));
        spec.get("episodes")
                .fields()
                .forEachRemaining(
                        e ->
                                ((ObjectNode) e.getValue())
                                        .put(
                                                "users",
                                                Math.max(
                                                        2,
                                                        Math.round(
                                                                e.getValue().get("users").asInt()
                                                                        * scale))));
        Scenarios.Stream stream = Scenarios.generate(spec, System.currentTimeMillis());
        SplittableRandom random = new SplittableRandom(seed);
        List<Input> out = new ArrayList<>();
        Map<String, Long> expected = new HashMap<>();
        List<Scenarios.Labelled> recent = new ArrayList<>();
        for (Scenarios.Labelled e : stream.events()) {
            out.add(new Input(e.userId(), e.json(), true));
            expected.merge(e.userId(), 1L, Long::sum);
            recent.add(e);
            if (recent.size() > 200) {
                recent.remove(0);
            }
            double r = random.nextDouble();
            if (r < 0.02) {
                // A repeat of a recent record that is still inside the de-duplication horizon
                // (24 h of event time; 12 h here): an older repeat is counted again by design.
                int from = 0;
                while (recent.get(from).ts() < e.ts() - DUPLICATE_WITHIN_MS) {
                    from++;
                }
                Scenarios.Labelled again = recent.get(from + random.nextInt(recent.size() - from));
                out.add(new Input(again.userId(), again.json(), false));
            } else if (r < 0.025) {
                String text = new String(e.json(), StandardCharsets.UTF_8);
                out.add(
                        new Input(
                                e.userId(),
                                text.substring(0, text.length() / 2)
                                        .getBytes(StandardCharsets.UTF_8),
                                false));
            }
        }
        return new Workload(out, expected);
    }

    /** Users whose profile's counts.total differs from what was sent, described; empty if none. */
    public static List<String> countMismatches(RedisAddress redis, Map<String, Long> expected)
            throws Exception {
        List<String> wrong = new ArrayList<>();
        try (Jedis j = RedisConnections.open(redis, "check", 10_000)) {
            for (var e : expected.entrySet()) {
                String doc = j.get(RedisKeys.profile(e.getKey()));
                long total =
                        doc == null ? -1 : JSON.readTree(doc).get("counts").get("total").asLong();
                if (total != e.getValue()) {
                    wrong.add(
                            e.getKey()
                                    + ": expected "
                                    + e.getValue()
                                    + ", Redis "
                                    + total
                                    + (doc == null
                                            ? ""
                                            : " " + doc.substring(0, Math.min(160, doc.length()))));
                }
            }
        }
        return wrong;
    }

    /** The distinct alert ids on a topic. */
    public static TreeSet<String> alertIds(String bootstrap, String topic) throws Exception {
        TreeSet<String> ids = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : Summary.readAll(bootstrap, topic)) {
            JsonNode a = JSON.readTree(r.value());
            ids.add(a.get("alert_id").asText());
        }
        return ids;
    }
}
