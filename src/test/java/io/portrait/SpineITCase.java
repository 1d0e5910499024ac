package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisKeys;
import io.portrait.config.Topics;
import io.portrait.demo.Summary;
import io.portrait.demo.TrafficGenerator;
import io.portrait.event.EventType;
import io.portrait.ingest.EventParser;
import io.portrait.predict.ModelRef;
import io.portrait.predict.OnnxModel;
import io.portrait.predict.PredictionState;
import io.portrait.predict.Predictor;
import io.portrait.predict.StepInput;
import io.portrait.sink.RedisConnections;
import io.portrait.testing.PortraitITCase;
import io.portrait.testing.ProfileSchema;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The spine end to end with real components: an in-process Kafka broker, a real Redis server and
 * the real job on a Flink MiniCluster (RocksDB, incremental exactly-once checkpoints). 50 000
 * generated records for 2 000 users, with duplicates and malformed records of every kind: every
 * user's {@code counts.total} in Redis must equal the distinct valid events sent for that user, and
 * the DLQ must hold every bad record, with its reason and source offset; and the predictions in the
 * profiles must be what the shipped LSTM gives for each user's own history.
 */
class SpineITCase extends PortraitITCase {

    static final int USERS = 2_000;
    static final int RECORDS = 50_000;

    record Sent(TrafficGenerator.Record record, Future<RecordMetadata> metadata) {}

    @Test
    void everyValidEventCountedOnceEveryBadOneInTheDlq() throws Exception {
        PortraitConfig config = services.config(Map.of("portrait.flush.interval", "200 ms"));

        // Event times spread over the last six hours, as a live system would see them.
        long now = System.currentTimeMillis();
        AtomicLong clock = new AtomicLong(now - Duration.ofHours(6).toMillis());
        long step = Duration.ofHours(6).toMillis() / RECORDS;
        TrafficGenerator gen =
                new TrafficGenerator(2026, USERS, () -> clock.addAndGet(step), 0.01, 0.02);
        List<Sent> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            for (int i = 0; i < RECORDS; i++) {
                TrafficGenerator.Record r = gen.next();
                sent.add(
                        new Sent(
                                r,
                                producer.send(
                                        new ProducerRecord<>(Topics.EVENTS, r.key(), r.value()))));
            }
            producer.flush();
        }

        Map<String, Long> expectedTotals = new HashMap<>();
        Map<String, String> expectedDlq = new HashMap<>(); // "partition/offset" → reason
        long valid = 0;
        long duplicates = 0;
        for (Sent s : sent) {
            switch (s.record().kind()) {
                case VALID -> {
                    s.metadata().get(); // a failed send must fail the test, not miscount it
                    valid++;
                    expectedTotals.merge(s.record().userId(), 1L, Long::sum);
                }
                case DUPLICATE -> duplicates++;
                case MALFORMED -> {
                    RecordMetadata m = s.metadata().get();
                    expectedDlq.put(m.partition() + "/" + m.offset(), s.record().reason().code());
                }
            }
        }
        assertThat(duplicates).as("the test must exercise de-duplication").isGreaterThan(500);
        assertThat(expectedDlq).as("and the DLQ").hasSizeGreaterThan(300);

        StreamExecutionEnvironment env = environment();
        PortraitJob.attach(env, config, Clock.systemUTC());
        JobClient job = env.executeAsync("portrait-spine-it");
        try {
            final long expectedValid = valid;
            await().atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(
                            () -> {
                                assertThat(Summary.profileTotals(services.redis.address())[1])
                                        .as("sum of counts.total in Redis")
                                        .isEqualTo(expectedValid);
                                assertThat(
                                                Summary.recordsIn(
                                                        config.kafkaBootstrap(), Topics.EVENTS_DLQ))
                                        .as("DLQ records")
                                        .isEqualTo(expectedDlq.size());
                            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Say which users differ and how, so a rare miss can be diagnosed from the CI log.
            try (Jedis j = RedisConnections.open(services.redis.address(), "test", 10_000)) {
                int shown = 0;
                for (var entry : expectedTotals.entrySet()) {
                    String doc = j.get(RedisKeys.profile(entry.getKey()));
                    long total =
                            doc == null
                                    ? -1
                                    : new ObjectMapper()
                                            .readTree(doc)
                                            .get("counts")
                                            .get("total")
                                            .asLong();
                    if (total != entry.getValue() && shown++ < 20) {
                        System.err.println(
                                "spine: "
                                        + entry.getKey()
                                        + " expected "
                                        + entry.getValue()
                                        + " in Redis "
                                        + (doc == null
                                                ? "no profile"
                                                : doc.substring(0, Math.min(120, doc.length()))));
                    }
                }
            }
            throw e;
        } finally {
            job.cancel().get();
        }

        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> checked = new HashMap<>(); // user → next_action in the profile
        try (Jedis j = RedisConnections.open(services.redis.address(), "test", 5000)) {
            assertThat(Summary.profileTotals(services.redis.address())[0])
                    .isEqualTo(expectedTotals.size());
            for (var e : expectedTotals.entrySet()) {
                String doc = j.get(RedisKeys.profile(e.getKey()));
                assertThat(doc)
                        .as("profile of %s", e.getKey())
                        .isNotNull()
                        .startsWith("{\"epoch\":");
                JsonNode n = ProfileSchema.assertValid(doc);
                assertThat(n.get("counts").get("total").asLong())
                        .as("counts.total of %s", e.getKey())
                        .isEqualTo(e.getValue());
                assertThat(n.get("version").asLong()).isEqualTo(e.getValue());
                assertThat(n.get("user_id").asText()).isEqualTo(e.getKey());
                JsonNode counts = n.get("counts");
                if (counts.get("total").asLong() > counts.path("bot_suspected").asLong()) {
                    // Every user with a behavioural event went through the LSTM.
                    JsonNode p = n.get("predictions");
                    assertThat(p).as("predictions of %s", e.getKey()).isNotNull();
                    assertThat(p.get("model_version").asText()).isEqualTo("next-action-v1");
                    if (counts.path("bot_suspected").asLong() == 0 && checked.size() < 200) {
                        checked.put(e.getKey(), p.get("next_action"));
                    }
                }
            }
        }
        // The predictions are the model's for each user's own history: the shipped LSTM run
        // here, step by step, over the user's valid records in the order they were sent.
        assertThat(checked).as("users whose prediction is recomputed").hasSizeGreaterThan(100);
        Map<String, List<StepInput>> steps = new HashMap<>();
        EventParser parser = new EventParser(config);
        for (Sent s : sent) {
            if (s.record().kind() == TrafficGenerator.Kind.VALID
                    && checked.containsKey(s.record().userId())) {
                var event =
                        parser.parse(
                                        s.record().key(),
                                        s.record().value(),
                                        new EventParser.Source(Topics.EVENTS, 0, 0),
                                        now)
                                .event();
                steps.computeIfAbsent(s.record().userId(), u -> new ArrayList<>())
                        .add(StepInput.of(event));
            }
        }
        OnnxModel model = OnnxModel.acquire(OnnxModel.read(ModelRef.DEFAULT_URI));
        try {
            Map<String, PredictionState> states = new HashMap<>();
            List<Predictor.Work> work = new ArrayList<>();
            for (var u : steps.entrySet()) {
                PredictionState st = new PredictionState();
                states.put(u.getKey(), st);
                work.add(new Predictor.Work(st, u.getValue()));
            }
            new Predictor(model, "next-action-v1", 64, 32)
                    .run(
                            work,
                            new Predictor.Listener() {
                                @Override
                                public void batch(int users, int steps, long micros) {}

                                @Override
                                public void rebuilt() {}

                                @Override
                                public void scored(String version, float[] predicted, int slot) {}
                            });
            for (var u : checked.entrySet()) {
                float[] expected = states.get(u.getKey()).nextAction;
                u.getValue()
                        .fields()
                        .forEachRemaining(
                                f ->
                                        assertThat(f.getValue().asDouble())
                                                .as("P(%s) for %s", f.getKey(), u.getKey())
                                                .isCloseTo(
                                                        expected[
                                                                EventType.fromWire(f.getKey())
                                                                        .slot()],
                                                        within(0.0015)));
            }
        } finally {
            model.release();
        }

        Map<String, String> actualDlq = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                Summary.readAll(config.kafkaBootstrap(), Topics.EVENTS_DLQ)) {
            JsonNode n = json.readTree(r.value());
            JsonNode src = n.get("source");
            assertThat(src.get("topic").asText()).isEqualTo(Topics.EVENTS);
            assertThat(n.has("raw") || n.has("raw_b64")).isTrue();
            assertThat(
                            actualDlq.put(
                                    src.get("partition").asInt() + "/" + src.get("offset").asLong(),
                                    n.get("reason").asText()))
                    .as("each bad record once")
                    .isNull();
        }
        assertThat(actualDlq).isEqualTo(expectedDlq);
    }
}
