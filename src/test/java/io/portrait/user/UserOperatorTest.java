package io.portrait.user;

import static io.portrait.testing.TestEvents.at;
import static io.portrait.testing.TestEvents.event;
import static io.portrait.testing.TestEvents.purchase;
import static io.portrait.testing.TestEvents.setting;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.anomaly.Alert;
import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.Settings;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.predict.ModelRef;
import io.portrait.predict.OnnxModel;
import io.portrait.profile.ProfileChange;
import io.portrait.profile.ProfileRecord;
import io.portrait.segment.ClusterDelta;
import io.portrait.testing.Harnesses;
import io.portrait.testing.ProfileSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user operator in Flink's harness on RocksDB: the modules wired in order, the mini-batch (one
 * state read per user, one write per flush), flushes before the barrier and at the end of input,
 * erase, the one lazy timer per user, the CEP loop, model switches, snapshot and restore.
 */
class UserOperatorTest {
    static final long T0 = 1_764_000_000_000L;
    static final long HOUR = 3_600_000L;
    static final long DAY = 24 * HOUR;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    /** A fixed epoch: documents are then the same for the same input. */
    static PortraitConfig config(Map<String, String> overrides) {
        Map<String, String> m = new java.util.HashMap<>(overrides);
        m.putIfAbsent("portrait.profile.epoch", "100");
        return PortraitConfig.defaults().with(m);
    }

    static final PortraitConfig CONFIG = config(Map.of());

    static ControlMessage control(String kind, String id, long version, String payload) {
        return new ControlMessage(kind, id, version, 0L, payload, false);
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, UserInput, ControlMessage, ProfileRecord>
            harness(PortraitConfig c, OperatorSubtaskState restore) throws Exception {
        return Harnesses.user(c, Harnesses.rocksDb(), restore);
    }

    static UserOperator op(
            KeyedTwoInputStreamOperatorTestHarness<String, UserInput, ControlMessage, ProfileRecord>
                    h) {
        return (UserOperator) h.getOperator();
    }

    static void send(
            KeyedTwoInputStreamOperatorTestHarness<String, UserInput, ControlMessage, ProfileRecord>
                    h,
            Event... events)
            throws Exception {
        for (Event e : events) {
            h.processElement1(UserInput.of(e), e.ts());
        }
    }

    /** What the task does before a checkpoint barrier (the harness's snapshot does not). */
    static void flush(
            KeyedTwoInputStreamOperatorTestHarness<String, UserInput, ControlMessage, ProfileRecord>
                    h)
            throws Exception {
        h.prepareSnapshotPreBarrier(0);
    }

    static List<JsonNode> documents(
            KeyedTwoInputStreamOperatorTestHarness<String, UserInput, ControlMessage, ProfileRecord>
                    h)
            throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (ProfileRecord r : h.extractOutputValues()) {
            out.add(JSON.readTree(r.json()));
        }
        return out;
    }

    static JsonNode last(
            KeyedTwoInputStreamOperatorTestHarness<String, UserInput, ControlMessage, ProfileRecord>
                    h,
            String user)
            throws Exception {
        JsonNode found = null;
        for (JsonNode d : documents(h)) {
            if (user.equals(d.path("user_id").asText(null))) {
                found = d;
            }
        }
        return found;
    }

    static <T> List<T> side(
            KeyedTwoInputStreamOperatorTestHarness<String, UserInput, ControlMessage, ProfileRecord>
                    h,
            org.apache.flink.util.OutputTag<T> tag) {
        var q = h.getSideOutput(tag);
        return q == null ? List.of() : q.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void eventsAreBatchedUntilAFlushWhichWritesEachChangedUserOnce() throws Exception {
        try (var h = harness(CONFIG, null)) {
            send(
                    h,
                    at("u1", "e1", EventType.VIEW, T0).category("Shoes").build(),
                    at("u1", "e2", EventType.PURCHASE, T0 + 1000).order("o1").amount(5000).build(),
                    at("u1", "e2", EventType.PURCHASE, T0 + 1000).order("o1").amount(5000).build(),
                    at("u2", "x1", EventType.VIEW, T0 + 2000).build());
            assertThat(h.extractOutputValues()).as("nothing before a flush").isEmpty();
            assertThat(op(h).cachedUsers()).isEqualTo(2);
            flush(h);
            assertThat(op(h).cachedUsers()).isZero();
            List<JsonNode> docs = documents(h);
            assertThat(docs).hasSize(2);
            JsonNode u1 = docs.get(0);
            ProfileSchema.assertValid(h.extractOutputValues().get(0).json());
            assertThat(u1.get("user_id").asText()).isEqualTo("u1");
            assertThat(u1.get("epoch").asLong()).isEqualTo(100);
            assertThat(u1.get("version").asLong()).as("the duplicate is not applied").isEqualTo(2);
            assertThat(u1.get("revision").asLong()).isZero();
            assertThat(u1.get("counts").get("total").asLong()).isEqualTo(2);
            assertThat(u1.get("rfm").get("orders").asLong()).isEqualTo(1);
            assertThat(u1.get("interests").has("shoes")).as("category normalised").isTrue();
            assertThat(u1.get("predictions").get("model_version").asText())
                    .isEqualTo("next-action-v1");
            assertThat(u1.get("segment").get("vector")).hasSize(6);
            assertThat(side(h, UserOutputs.CLUSTER_DELTAS))
                    .as("one pre-aggregated delta for the flush")
                    .hasSize(1);
            ClusterDelta d = side(h, UserOutputs.CLUSTER_DELTAS).get(0);
            assertThat(java.util.Arrays.stream(d.counts).sum()).isEqualTo(2);

            // A flush with nothing changed writes nothing.
            flush(h);
            assertThat(h.extractOutputValues()).hasSize(2);
        }
    }

    @Test
    void theDocumentIsTheContractsAndBeginsWithItsVersionPrefix() throws Exception {
        try (var h = harness(CONFIG, null)) {
            send(h, purchase("u1", "a", T0, "o1", 1_999));
            flush(h);
            String json = h.extractOutputValues().get(0).json();
            assertThat(json).startsWith("{\"epoch\":100,\"version\":1,\"revision\":0,");
            ProfileSchema.assertValid(json);
        }
    }

    @Test
    void aDuplicateIsDroppedAcrossFlushesAndARestoreAndCounted() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(CONFIG, null)) {
            send(h, event("u1", "e1", EventType.VIEW, T0));
            flush(h);
            send(h, event("u1", "e1", EventType.VIEW, T0));
            flush(h);
            assertThat(h.extractOutputValues()).hasSize(1);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(CONFIG, snapshot)) {
            send(h, event("u1", "e1", EventType.VIEW, T0), event("u1", "e2", EventType.VIEW, T0));
            flush(h);
            JsonNode d = last(h, "u1");
            assertThat(d.get("version").asLong()).isEqualTo(2);
            assertThat(d.get("counts").get("total").asLong()).isEqualTo(2);
        }
    }

    @Test
    void theDedupHorizonIsTunableAtRunTime() throws Exception {
        try (var h = harness(config(Map.of("portrait.dedup.horizon", "2 h")), null)) {
            h.processElement2(setting(Settings.DEDUP_HORIZON, "10 min", 1), 0);
            send(h, event("u1", "e1", EventType.VIEW, T0));
            send(h, event("u1", "e2", EventType.VIEW, T0 + 11 * 60_000L));
            send(h, event("u1", "e1", EventType.VIEW, T0));
            flush(h);
            assertThat(last(h, "u1").get("version").asLong())
                    .as("e1 is 11 min behind the newest event: counted again (documented)")
                    .isEqualTo(3);
            // Older control versions do not win: the horizon stays 10 min.
            h.processElement2(setting(Settings.DEDUP_HORIZON, "10 h", 0), 0);
            send(h, event("u1", "e2", EventType.VIEW, T0 + 11 * 60_000L)); // a duplicate
            send(h, event("u1", "e3", EventType.VIEW, T0 + 30 * 60_000L));
            send(h, event("u1", "e2", EventType.VIEW, T0 + 11 * 60_000L)); // 19 min behind
            flush(h);
            assertThat(last(h, "u1").get("version").asLong()).isEqualTo(5);
        }
    }

    @Test
    void eraseWritesATombstoneAtOnceAndVersionsKeepMovingForward() throws Exception {
        try (var h = harness(CONFIG, null)) {
            send(h, purchase("u1", "a", T0, "o1", 100), event("u1", "b", EventType.VIEW, T0 + 1));
            send(h, event("u1", "x", EventType.ERASE, T0 + 2));
            List<ProfileRecord> out = h.extractOutputValues();
            assertThat(out).as("no flush needed").hasSize(1);
            assertThat(out.get(0).erased()).isTrue();
            assertThat(out.get(0).json())
                    .isEqualTo("{\"epoch\":100,\"version\":3,\"erased\":true}");
            assertThat(op(h).cachedUsers()).as("the user left the cache").isZero();
            assertThat(side(h, UserOutputs.CHANGES))
                    .extracting(ProfileChange::kind)
                    .containsExactly("erased");
            UserState s = op(h).peek("u1");
            assertThat(s.isErased()).isTrue();
            assertThat(UserStateCodec.encode(s)).as("only the version is kept").hasSizeLessThan(8);

            flush(h);
            assertThat(h.extractOutputValues())
                    .as("nothing of the user is written after")
                    .hasSize(1);
            send(h, event("u1", "c", EventType.VIEW, T0 + 3));
            flush(h);
            JsonNode back = last(h, "u1");
            assertThat(back.get("version").asLong()).isEqualTo(4);
            assertThat(back.get("counts").get("total").asLong()).isEqualTo(1);
            assertThat(back.get("rfm").get("orders").asLong()).isZero();
        }
    }

    @Test
    void silentUsersGetSilenceUpdatesAsRevisionsUpToTheLimitWithOneTimerEach() throws Exception {
        try (var h = harness(CONFIG, null)) {
            send(h, event("u1", "a", EventType.VIEW, T0));
            // Active again after 4 h: the 6 h timer fires early and is set again from the event.
            send(h, event("u1", "b", EventType.CLICK, T0 + 4 * HOUR));
            flush(h);
            assertThat(h.numEventTimeTimers()).as("one timer per user").isEqualTo(1);
            h.processWatermark1(
                    new org.apache.flink.streaming.api.watermark.Watermark(T0 + 6 * HOUR));
            flush(h);
            assertThat(documents(h)).hasSize(1);
            List<Double> churn = new ArrayList<>();
            churn.add(last(h, "u1").get("predictions").get("churn_risk").asDouble());
            for (int tick = 1; tick <= 4; tick++) {
                h.processWatermark1(
                        new org.apache.flink.streaming.api.watermark.Watermark(
                                T0 + 4 * HOUR + tick * 6 * HOUR));
                flush(h);
                JsonNode d = last(h, "u1");
                assertThat(d.get("version").asLong()).isEqualTo(2);
                assertThat(d.get("revision").asLong()).isEqualTo(tick);
                assertThat(d.get("updated_at").asText())
                        .isEqualTo(
                                java.time.Instant.ofEpochMilli(T0 + 4 * HOUR + tick * 6 * HOUR)
                                        .toString());
                churn.add(d.get("predictions").get("churn_risk").asDouble());
            }
            assertThat(churn).isSorted();
            assertThat(churn.get(4)).isEqualTo(1.0);
            h.processWatermark1(
                    new org.apache.flink.streaming.api.watermark.Watermark(T0 + 60 * DAY));
            flush(h);
            assertThat(documents(h)).as("the chain ends after four ticks").hasSize(5);
            assertThat(h.numEventTimeTimers()).as("nothing left to wake for").isZero();
            UserState s = op(h).peek("u1");
            assertThat(s.eventIds.isEmpty()).as("short-lived state dropped").isTrue();
            assertThat(s.bot).isNull();
            assertThat(s.core.total).as("the profile stays").isEqualTo(2);

            // A new event starts a new chain.
            send(h, event("u1", "c", EventType.VIEW, T0 + 61 * DAY));
            flush(h);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(last(h, "u1").get("revision").asLong()).isZero();
        }
    }

    @Test
    void theEndOfABoundedInputIsNotTimePassing() throws Exception {
        try (var h = harness(config(Map.of("portrait.profile.retention", "30 d")), null)) {
            send(h, event("u1", "a", EventType.VIEW, T0));
            flush(h);
            h.processWatermark1(
                    new org.apache.flink.streaming.api.watermark.Watermark(Long.MAX_VALUE));
            h.endInput1();
            op(h).finish();
            assertThat(documents(h)).as("no silence update").hasSize(1);
            assertThat(op(h).peek("u1").core.total).as("no expiry").isEqualTo(1);
        }
    }

    @Test
    void retentionForgetsInactiveUsersButKeepsTheirVersion() throws Exception {
        try (var h = harness(config(Map.of("portrait.profile.retention", "30 d")), null)) {
            send(h, event("u1", "a", EventType.VIEW, T0));
            send(h, event("u2", "b", EventType.VIEW, T0 + 20 * DAY));
            flush(h);
            h.processWatermark1(
                    new org.apache.flink.streaming.api.watermark.Watermark(T0 + 31 * DAY));
            flush(h);
            assertThat(op(h).peek("u1").isErased()).as("u1 expired").isTrue();
            assertThat(op(h).peek("u2").isErased()).as("u2 not yet").isFalse();
            send(h, event("u1", "c", EventType.VIEW, T0 + 32 * DAY));
            flush(h);
            JsonNode back = last(h, "u1");
            assertThat(back.get("version").asLong()).isEqualTo(2);
            assertThat(back.get("counts").get("total").asLong()).isEqualTo(1);
        }
    }

    @Test
    void cepAlertsReadBackAreSuppressedAddedToTheRiskAndPublishedOnce() throws Exception {
        try (var h = harness(CONFIG, null)) {
            send(h, event("u1", "a", EventType.LOGIN, T0));
            flush(h);
            Alert ato =
                    Alert.of("u1", "account_takeover", 1, "high", T0, 0, new String[] {"a"}, "{}");
            h.processElement1(UserInput.of(ato), T0);
            h.processElement1(UserInput.of(ato), T0); // the loop is at least once
            Alert again =
                    Alert.of(
                            "u1",
                            "account_takeover",
                            1,
                            "high",
                            T0 + 60_000,
                            0,
                            new String[] {"b"},
                            "{}");
            h.processElement1(UserInput.of(again), T0); // within the suppression window
            flush(h);
            assertThat(side(h, UserOutputs.ALERTS))
                    .extracting(Alert::alertId)
                    .containsExactly(ato.alertId());
            JsonNode d = last(h, "u1");
            assertThat(d.get("version").asLong()).isEqualTo(1);
            assertThat(d.get("revision").asLong()).as("a write caused by an alert").isEqualTo(1);
            assertThat(d.get("risk").get("score").asDouble())
                    .isCloseTo(1 - Math.exp(-1), org.assertj.core.data.Offset.offset(1e-3));
            assertThat(d.get("risk").get("alerts_30d").asInt()).isEqualTo(1);
            assertThat(side(h, UserOutputs.CHANGES))
                    .extracting(ProfileChange::kind)
                    .containsExactly("risk_crossed");

            // An alert of an unknown (or erased) user is dropped.
            h.processElement1(
                    UserInput.of(
                            Alert.of(
                                    "nobody",
                                    "refund_abuse",
                                    1,
                                    "low",
                                    T0,
                                    0,
                                    new String[] {"z"},
                                    "{}")),
                    T0);
            flush(h);
            assertThat(side(h, UserOutputs.ALERTS)).hasSize(1);
        }
    }

    @Test
    void keyedDetectorsRaiseAlertsAndOnlyWhatCepUsesGoesToCep() throws Exception {
        try (var h = harness(CONFIG, null)) {
            for (int i = 0; i < 5; i++) {
                send(h, purchase("u1", "p" + i, T0 + i * 1000L, "o" + i, 99));
            }
            send(h, event("u1", "v", EventType.VIEW, T0 + 10_000));
            send(h, event("u1", "l", EventType.LOGIN_FAILED, T0 + 11_000));
            assertThat(side(h, UserOutputs.ALERTS))
                    .extracting(Alert::rule)
                    .containsExactly("card_testing");
            assertThat(side(h, UserOutputs.ENRICHED))
                    .extracting(e -> e.event().eventId())
                    .containsExactly("l");
        }
    }

    @Test
    void dynamicRulesSeeHistoryAndKeepTheirBucketsInMapState() throws Exception {
        String rule =
                "{\"enabled\":true,\"filter\":{\"types\":[\"view\"]},"
                        + "\"aggregate\":{\"fn\":\"count\"},\"window\":\"PT10M\","
                        + "\"threshold\":3,\"severity\":\"low\"}";
        try (var h = harness(CONFIG, null)) {
            send(
                    h,
                    event("u1", "v1", EventType.VIEW, T0),
                    event("u1", "v2", EventType.VIEW, T0 + 1));
            flush(h);
            h.processElement2(control("rule", "many_views", 1, rule), 0);
            send(h, event("u1", "v3", EventType.VIEW, T0 + 2));
            assertThat(side(h, UserOutputs.ALERTS))
                    .extracting(Alert::rule)
                    .as("a new rule sees the history kept before it")
                    .containsExactly("many_views");
            flush(h);
            assertThat(Harnesses.keysWithState(h, "user-rule-buckets")).isEqualTo(1);
            send(h, event("u1", "x", EventType.ERASE, T0 + 3));
            assertThat(Harnesses.keysWithState(h, "user-rule-buckets")).isZero();
        }
    }

    @Test
    void aCheckpointFlushesAndARestoredTaskContinuesTheSamePredictions() throws Exception {
        Event[] events = new Event[6];
        for (int i = 0; i < events.length; i++) {
            events[i] =
                    at(
                                    "u1",
                                    "e" + i,
                                    i == 3 ? EventType.PURCHASE : EventType.VIEW,
                                    T0 + i * 60_000L)
                            .category("c" + (i % 2))
                            .amount(i == 3 ? 1_500 : 0)
                            .build();
        }
        JsonNode straight;
        try (var h = harness(CONFIG, null)) {
            send(h, events);
            flush(h);
            straight = last(h, "u1");
        }
        OperatorSubtaskState snapshot;
        try (var h = harness(CONFIG, null)) {
            send(h, events[0], events[1], events[2]);
            flush(h);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(CONFIG, snapshot)) {
            send(h, events[3], events[4], events[5]);
            flush(h);
            JsonNode restored = last(h, "u1");
            assertThat(restored).as("the same document as without the restore").isEqualTo(straight);
        }
    }

    @Test
    void aModelSwitchFinishesQueuedStepsFirstAndSurvivesARestore() throws Exception {
        byte[] other =
                io.portrait.predict.OnnxParityTest.export(
                        io.portrait.predict.OnnxParityTest.randomNet(99), "other");
        Path file = dir.resolve("other.onnx");
        Files.write(file, other);
        String payload =
                "{\"uri\":\"" + file.toUri() + "\",\"sha256\":\"" + OnnxModel.sha256(other) + "\"}";
        OperatorSubtaskState snapshot;
        try (var h = harness(CONFIG, null)) {
            send(h, event("u1", "a", EventType.VIEW, T0));
            // A wrong digest is refused; the current model stays.
            h.processElement2(
                    control(
                            "model",
                            ModelRef.NEXT_ACTION,
                            1,
                            "{\"uri\":\""
                                    + file.toUri()
                                    + "\",\"sha256\":\""
                                    + "0".repeat(64)
                                    + "\"}"),
                    0);
            assertThat(op(h).modelLabel()).isEqualTo("next-action-v1");
            h.processElement2(control("model", ModelRef.NEXT_ACTION, 2, payload), 0);
            assertThat(op(h).modelLabel()).isEqualTo("next-action@2");
            assertThat(last(h, "u1").get("predictions").get("model_version").asText())
                    .as("the queued step ran under the old model, before the switch")
                    .isEqualTo("next-action-v1");
            send(h, event("u1", "b", EventType.VIEW, T0 + 1));
            flush(h);
            assertThat(last(h, "u1").get("predictions").get("model_version").asText())
                    .isEqualTo("next-action@2");
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(CONFIG, snapshot)) {
            assertThat(op(h).modelLabel()).as("restored with the task").isEqualTo("next-action@2");
            // An older record read again from the compacted topic changes nothing.
            h.processElement2(control("model", ModelRef.NEXT_ACTION, 1, payload), 0);
            assertThat(op(h).modelLabel()).isEqualTo("next-action@2");
            // A tombstone goes back to the configured model.
            h.processElement2(
                    new ControlMessage("model", ModelRef.NEXT_ACTION, 0, 0L, null, true), 0);
            assertThat(op(h).modelLabel()).isEqualTo("next-action-v1");
        }
    }

    @Test
    void theFlushIntervalFollowsTheSettingAndAFullCacheForcesAFlush() throws Exception {
        PortraitConfig c = config(Map.of("portrait.flush.max-users", "3"));
        long every = c.flushInterval().toMillis();
        try (var h = harness(c, null)) {
            h.setProcessingTime(1_000);
            send(h, event("u1", "a", EventType.VIEW, T0));
            h.setProcessingTime(1_000 + every - 1);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(1_000 + every);
            assertThat(h.extractOutputValues()).as("flushed after the interval").hasSize(1);
            send(h, event("u1", "b", EventType.VIEW, T0 + 1), event("u2", "c", EventType.VIEW, T0));
            send(h, event("u3", "d", EventType.VIEW, T0));
            assertThat(h.extractOutputValues()).as("three users: the cache is full").hasSize(4);
            h.processElement2(setting(Settings.FLUSH_INTERVAL, "1 s", 1), 0);
            h.setProcessingTime(5_000);
            send(h, event("u1", "e", EventType.VIEW, T0 + 2));
            h.setProcessingTime(5_999);
            assertThat(h.extractOutputValues()).hasSize(4);
            h.setProcessingTime(6_000);
            assertThat(h.extractOutputValues()).hasSize(5);
        }
    }

    /** Two segments, 7 and 9, at these log-orders in a unit-scaled space. */
    static io.portrait.segment.SegmentModel segmentModel(double c7, double c9, long version) {
        int d = io.portrait.segment.FeatureVector.D;
        double[] a = new double[d];
        double[] b = new double[d];
        a[0] = c7;
        b[0] = c9;
        double[] ones = new double[d];
        java.util.Arrays.fill(ones, 1);
        return new io.portrait.segment.SegmentModel(
                version,
                1,
                new double[d],
                ones,
                new double[][] {a, b},
                new int[] {7, 9},
                new String[] {"low", "high"},
                new long[] {0, 0},
                -1L);
    }

    /**
     * A material model change re-assigns every user through the key sweep, a few users per flush
     * (portrait.sweep.rate), writing only users whose segment changed, once, with a new revision; a
     * restore mid-sweep resumes with the key groups not done.
     */
    @Test
    void aMaterialModelChangeReScoresEveryUserOnceAndASweepResumesAfterARestore() throws Exception {
        PortraitConfig c =
                config(
                        Map.of(
                                "portrait.segment.k", "2",
                                "portrait.segment.margin", "0",
                                "portrait.segment.rescore-min-interval", "0 s",
                                "portrait.sweep.rate", "10",
                                "portrait.predict.enabled", "false"));
        var m1 = segmentModel(0, 4, 1);
        var m2 = segmentModel(0, 1, 2);
        List<String> low = new ArrayList<>();
        OperatorSubtaskState snapshot;
        Map<String, Long> revisionBefore = new java.util.HashMap<>();
        List<JsonNode> afterM2 = new ArrayList<>();
        List<ProfileChange> movesAfterM2 = new ArrayList<>();
        long t = 1_000;
        long visitedBefore;
        try (var h = harness(c, null)) {
            h.setProcessingTime(t);
            h.processElement2(control("centroids", "segments", 1, m1.toJson()), 0);
            for (int u = 0; u < 30; u++) {
                String user = "r" + u;
                int orders = u < 20 ? 1 : 20;
                if (u < 20) {
                    low.add(user);
                }
                for (int i = 0; i < orders; i++) {
                    send(h, purchase(user, user + "-" + i, T0 + i * 1000L, user + "-o" + i, 5_000));
                }
            }
            // The first model has no completed re-score before it: one sweep, nothing moves.
            for (int i = 0; i < 10 && (i == 0 || op(h).sweepVisited() >= 0); i++) {
                h.setProcessingTime(t += 1_000);
            }
            assertThat(op(h).sweepVisited()).as("first sweep done").isEqualTo(-1);
            for (JsonNode d : documents(h)) {
                String user = d.path("user_id").asText();
                assertThat(d.path("segment").path("id").asInt())
                        .as(user)
                        .isEqualTo(low.contains(user) ? 7 : 9);
                revisionBefore.put(user, d.path("revision").asLong());
            }
            assertThat(revisionBefore).hasSize(30);
            h.getOutput().clear();
            if (h.getSideOutput(UserOutputs.CHANGES) != null) {
                h.getSideOutput(UserOutputs.CHANGES).clear();
            }

            h.processElement2(control("centroids", "segments", 2, m2.toJson()), 0);
            h.setProcessingTime(t += 1_000);
            h.setProcessingTime(t += 1_000);
            visitedBefore = op(h).sweepVisited();
            assertThat(visitedBefore).as("part of the users").isBetween(1L, 29L);
            snapshot = h.snapshot(1, t);
            afterM2.addAll(documents(h));
            movesAfterM2.addAll(side(h, UserOutputs.CHANGES));
        }
        try (var h = harness(c, snapshot)) {
            h.setProcessingTime(t);
            h.processElement2(control("centroids", "segments", 2, m2.toJson()), 0);
            h.setProcessingTime(t += 1_000);
            long resumed = 0;
            for (int i = 0; i < 20 && op(h).sweepVisited() >= 0; i++) {
                resumed = op(h).sweepVisited();
                h.setProcessingTime(t += 1_000);
            }
            assertThat(op(h).sweepVisited()).as("second sweep done").isEqualTo(-1);
            assertThat(resumed).as("resumed, not started over").isLessThan(30 - visitedBefore + 10);
            afterM2.addAll(documents(h));
            movesAfterM2.addAll(side(h, UserOutputs.CHANGES));
        }
        Map<String, List<JsonNode>> byUser = new java.util.HashMap<>();
        for (JsonNode d : afterM2) {
            byUser.computeIfAbsent(d.path("user_id").asText(), k -> new ArrayList<>()).add(d);
        }
        assertThat(byUser.keySet())
                .as("only the users that moved")
                .containsExactlyInAnyOrderElementsOf(low);
        for (String user : low) {
            List<JsonNode> docs = byUser.get(user);
            assertThat(docs).as(user).hasSize(1);
            assertThat(docs.get(0).path("segment").path("id").asInt()).isEqualTo(9);
            assertThat(docs.get(0).path("segment").path("model_version").asLong()).isEqualTo(2);
            assertThat(docs.get(0).path("revision").asLong())
                    .isGreaterThan(revisionBefore.get(user));
        }
        assertThat(movesAfterM2)
                .filteredOn(ch -> "segment_changed".equals(ch.kind()))
                .extracting(ProfileChange::userId)
                .containsExactlyInAnyOrderElementsOf(low);
    }

    @Test
    void theEpochSurvivesARestoreWhateverTheNewConfigSays() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(config(Map.of("portrait.profile.epoch", "100")), null)) {
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(config(Map.of("portrait.profile.epoch", "999")), snapshot)) {
            assertThat(op(h).epoch()).isEqualTo(100);
        }
        try (var h = harness(config(Map.of("portrait.profile.epoch", "0")), null)) {
            assertThat(op(h).epoch())
                    .as("a fresh job takes its start time")
                    .isBetween(
                            java.time.Instant.now().getEpochSecond() - 60,
                            java.time.Instant.now().getEpochSecond());
        }
    }
}
