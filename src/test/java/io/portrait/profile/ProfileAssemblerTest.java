package io.portrait.profile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.Settings;
import io.portrait.event.EventType;
import io.portrait.testing.Harnesses;
import io.portrait.testing.ProfileSchema;
import io.portrait.testing.TestEvents;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ProfileAssemblerTest {

    static final long T0 = 1_764_000_000_000L;
    static final ObjectMapper JSON = new ObjectMapper();

    static PortraitConfig config(long epoch) {
        return PortraitConfig.defaults()
                .with(
                        Map.of(
                                "portrait.profile.coalesce-interval",
                                "1 s",
                                "portrait.profile.epoch",
                                Long.toString(epoch)));
    }

    static KeyedBroadcastOperatorTestHarness<String, ProfilePart, ControlMessage, ProfileRecord>
            harness(long epoch, OperatorSubtaskState restore) throws Exception {
        return Harnesses.keyedBroadcast(
                new ProfileAssembler(config(epoch)),
                ProfilePart::getUserId,
                Harnesses.rocksDb(),
                restore);
    }

    static ProfilePart part(String user, long version) {
        CoreFeatures f = new CoreFeatures();
        f.version = version;
        f.total = version;
        f.typeCounts[EventType.VIEW.slot()] = version;
        f.firstSeen = T0;
        f.lastSeen = T0 + version;
        return ProfilePart.core(user, f);
    }

    @Test
    void writesTheLeadingAndTheTrailingEdgeOfABurst() throws Exception {
        try (var h = harness(100, null)) {
            h.setProcessingTime(10_000);
            h.processElement(part("u1", 1), T0);
            assertThat(h.extractOutputValues())
                    .extracting(ProfileRecord::version)
                    .containsExactly(1L);

            h.setProcessingTime(10_300);
            h.processElement(part("u1", 2), T0);
            h.processElement(part("u1", 3), T0);
            h.processElement(part("u2", 1), T0);
            assertThat(h.extractOutputValues())
                    .extracting(r -> r.userId() + "@" + r.version())
                    .as("u2's first change is written at once; u1 waits")
                    .containsExactly("u1@1", "u2@1");

            h.setProcessingTime(11_000);
            assertThat(h.extractOutputValues())
                    .extracting(r -> r.userId() + "@" + r.version())
                    .containsExactly("u1@1", "u2@1", "u1@3");

            h.setProcessingTime(12_000);
            assertThat(h.extractOutputValues()).as("nothing new, nothing written").hasSize(3);
        }
    }

    @Test
    void aLeadingEdgeWriteKeepsNoStateAndNoTimer() throws Exception {
        try (var h = harness(100, null)) {
            h.setProcessingTime(10_000);
            for (int u = 0; u < 50; u++) {
                h.processElement(part("u" + u, 1), T0);
            }
            assertThat(h.extractOutputValues()).hasSize(50);
            assertThat(Harnesses.keysWithState(h, Descriptors.assemblerState().getName()))
                    .as("written at once: nothing pending, nothing kept")
                    .isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();

            // A burst keeps the pending change and one timer until its trailing edge ...
            h.setProcessingTime(10_500);
            h.processElement(part("u7", 2), T0);
            h.processElement(part("u7", 3), T0);
            assertThat(Harnesses.keysWithState(h, Descriptors.assemblerState().getName())).isOne();
            assertThat(h.numProcessingTimeTimers()).isOne();
            // ... which survives a snapshot and restore (the heap clock does not).
            var snapshot = h.snapshot(1, 10_600);
            try (var restored = harness(100, snapshot)) {
                restored.setProcessingTime(11_000);
                assertThat(restored.extractOutputValues())
                        .extracting(r -> r.userId() + "@" + r.version())
                        .containsExactly("u7@3");
                assertThat(Harnesses.keysWithState(restored, "assembler")).isZero();
                assertThat(restored.numProcessingTimeTimers()).isZero();
                assertThat(restored.numEventTimeTimers()).isZero();
            }
        }
    }

    @Test
    void recommendationsPatchTheStoredDocumentOrRideWithTheNextOne() throws Exception {
        try (var h = harness(100, null)) {
            h.setProcessingTime(10_000);
            h.processElement(part("u1", 1), T0);
            // Recommendations after the write: a patch of the stored document's last group.
            ProfilePart recs = new ProfilePart();
            recs.userId = "u1";
            recs.recommendations = io.portrait.testing.TestRecommendations.of(T0, "i1", "i2");
            h.processElement(recs, T0);
            ProfileRecord patch = h.extractOutputValues().get(1);
            assertThat(patch.recommendationsPatch()).isTrue();
            assertThat(patch.json()).startsWith("\"recommendations\":{\"updated_at\":");
            assertThat(Harnesses.keysWithState(h, "assembler"))
                    .as("kept for later documents")
                    .isOne();
            // The next document carries them as its last group, valid against the schema.
            h.setProcessingTime(20_000);
            h.processElement(part("u1", 2), T0);
            ProfileRecord doc = h.extractOutputValues().get(2);
            assertThat(doc.isPatch()).isFalse();
            assertThat(doc.json()).contains(ProfileRecord.RECOMMENDATIONS_HEAD).endsWith("]}}");
            JsonNode items =
                    ProfileSchema.assertValid(doc.json()).path("recommendations").path("items");
            assertThat(items)
                    .extracting(i -> i.path("item_id").asText())
                    .containsExactly("i1", "i2");
            // Erase forgets them with everything else.
            CoreFeatures erased = new CoreFeatures();
            erased.version = 3;
            erased.erased = true;
            h.processElement(ProfilePart.core("u1", erased), T0);
            assertThat(onlyState(h, "u1").recommendations).isNull();
            h.setProcessingTime(20_000 + ProfileAssembler.ERASE_GRACE_MILLIS);
            assertThat(Harnesses.keysWithState(h, "assembler")).isZero();
        }
    }

    @Test
    void theIntervalIsTunableAtRunTime() throws Exception {
        try (var h = harness(100, null)) {
            h.processBroadcastElement(TestEvents.setting(Settings.COALESCE_INTERVAL, "0 ms", 1), 0);
            h.setProcessingTime(10_000);
            for (int v = 1; v <= 4; v++) {
                h.processElement(part("u1", v), T0);
            }
            assertThat(h.extractOutputValues())
                    .extracting(ProfileRecord::version)
                    .containsExactly(1L, 2L, 3L, 4L);
        }
    }

    @Test
    void flushesPendingChangesAtTheEndOfEventTime() throws Exception {
        try (var h = harness(100, null)) {
            h.setProcessingTime(10_000);
            h.processElement(part("u1", 1), T0);
            h.processElement(part("u1", 2), T0);
            h.processWatermark(Long.MAX_VALUE);
            assertThat(h.extractOutputValues())
                    .extracting(ProfileRecord::version)
                    .containsExactly(1L, 2L);
        }
    }

    @Test
    void rendersTheContractDocument() throws Exception {
        try (var h = harness(1_764_480_000L, null)) {
            CoreFeatures f = part("u-42", 3).core;
            f.purchaseMinor = 12_050;
            f.refundMinor = 50;
            f.orders = 2;
            f.lastPurchaseAt = T0 - 86_400_000L;
            f.typeCounts[EventType.PURCHASE.slot()] = 2;
            h.processWatermark(T0 + 3);
            h.processElement(ProfilePart.core("u-42", f), T0);
            ProfileRecord r = h.extractOutputValues().get(0);

            assertThat(r.json()).startsWith("{\"epoch\":1764480000,\"version\":3,");
            JsonNode doc = ProfileSchema.assertValid(r.json());
            assertThat(doc.get("user_id").asText()).isEqualTo("u-42");
            assertThat(doc.get("first_seen").asText()).isEqualTo("2025-11-24T16:00:00Z");
            assertThat(doc.get("counts").get("total").asLong()).isEqualTo(3);
            assertThat(doc.get("counts").get("view").asLong()).isEqualTo(3);
            assertThat(doc.get("counts").get("purchase").asLong()).isEqualTo(2);
            assertThat(doc.get("counts").has("click")).isFalse();
            JsonNode rfm = doc.get("rfm");
            assertThat(rfm.get("orders").asLong()).isEqualTo(2);
            assertThat(rfm.get("purchase_amount").decimalValue()).isEqualByComparingTo("120.50");
            assertThat(rfm.get("refund_amount").decimalValue()).isEqualByComparingTo("0.50");
            assertThat(rfm.get("monetary").decimalValue()).isEqualByComparingTo("120.00");
            assertThat(rfm.get("avg_order_value").decimalValue()).isEqualByComparingTo("60.25");
            assertThat(rfm.get("recency_days").asDouble())
                    .isEqualTo(1.0, org.assertj.core.data.Offset.offset(0.001));
            assertThat(rfm.get("last_purchase_at").asText()).isEqualTo("2025-11-23T16:00:00Z");
            assertThat(rfm.get("currency").asText()).isEqualTo("GBP");
        }
    }

    static AssemblerState onlyState(
            KeyedBroadcastOperatorTestHarness<String, ProfilePart, ControlMessage, ProfileRecord> h,
            String user)
            throws Exception {
        var backend = h.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(user);
        return backend.getPartitionedState(
                        org.apache.flink.runtime.state.VoidNamespace.INSTANCE,
                        org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE,
                        Descriptors.assemblerState())
                .value();
    }

    @Test
    void eraseWritesATombstoneAtOnce() throws Exception {
        try (var h = harness(100, null)) {
            h.setProcessingTime(10_000);
            h.processElement(part("u1", 1), T0);
            h.processElement(part("u1", 2), T0);
            CoreFeatures erased = new CoreFeatures();
            erased.version = 3;
            erased.erased = true;
            h.processElement(ProfilePart.core("u1", erased), T0);
            ProfileRecord last = h.extractOutputValues().get(1);
            assertThat(last.erased()).isTrue();
            assertThat(last.json()).isEqualTo("{\"epoch\":100,\"version\":3,\"erased\":true}");
            assertThat(h.numEventTimeTimers()).isZero();
            // An alert and a recommendation list of the user, already on their way when the erase
            // came (other paths), are dropped: no patch, nothing of the user kept.
            h.processElement(alert("u1", "high", T0), T0);
            ProfilePart late = new ProfilePart();
            late.userId = "u1";
            late.recommendations = io.portrait.testing.TestRecommendations.of(T0, "i1");
            h.processElement(late, T0);
            assertThat(h.extractOutputValues()).hasSize(2);
            AssemblerState marker = onlyState(h, "u1");
            assertThat(marker.risk).isNull();
            assertThat(marker.recommendations).isNull();
            // A minute later the marker goes too: nothing is left.
            h.setProcessingTime(10_000 + ProfileAssembler.ERASE_GRACE_MILLIS);
            assertThat(Harnesses.keysWithState(h, Descriptors.assemblerState().getName())).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.getSideOutput(Descriptors.CHANGES))
                    .extracting(r -> r.getValue().kind() + "@" + r.getValue().profileVersion())
                    .containsExactly("erased@3");
            h.setProcessingTime(20_000);
            assertThat(h.extractOutputValues())
                    .as("the pending change died with the erase")
                    .hasSize(2);
        }
    }

    @Test
    void theEpochSurvivesARestoreWhateverTheNewConfigSays() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(100, null)) {
            h.setProcessingTime(10_000);
            h.processElement(part("u1", 1), T0);
            h.processElement(part("u1", 2), T0); // pending at snapshot time
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness(999, snapshot)) {
            h.setProcessingTime(11_000);
            assertThat(h.extractOutputValues())
                    .extracting(r -> r.epoch() + "/" + r.version())
                    .as("restored timers write the pending change, with the old epoch")
                    .containsExactly("100/2");
        }
    }

    @Test
    void aFreshJobTakesItsStartTimeAsEpoch() throws Exception {
        long before = System.currentTimeMillis() / 1000;
        try (var h = harness(0, null)) {
            h.processElement(part("u1", 1), T0);
            assertThat(h.extractOutputValues().get(0).epoch()).isBetween(before, before + 60);
        }
    }

    static ProfilePart alert(String user, String severity, long ts) {
        ProfilePart p = new ProfilePart();
        p.userId = user;
        p.risk = new io.portrait.anomaly.RiskSignal();
        p.risk.rule = "card_testing";
        p.risk.severity = severity;
        p.risk.ts = ts;
        return p;
    }

    static JsonNode risk(ProfileRecord r) throws Exception {
        return JSON.readTree(r.json()).get("risk");
    }

    @Test
    void alertsRaiseTheRiskScoreAtOnceItDecaysInEventTimeAndCrossingsAreChanges() throws Exception {
        long day = 86_400_000L;
        try (var h = harness(100, null)) {
            h.setProcessingTime(10_000);
            // An alert before the assembler has anything to render: a risk patch (a no-op in
            // Redis when there is no document yet), and the risk is kept for the next document.
            h.processElement(alert("u1", "medium", T0), T0);
            ProfileRecord patch0 = h.extractOutputValues().get(0);
            assertThat(patch0.riskPatch()).isTrue();
            assertThat(patch0.json()).isEqualTo("\"risk\":{\"score\":0.393,\"alerts_30d\":1");
            h.processElement(part("u1", 1), T0);
            ProfileRecord first = h.extractOutputValues().get(1);
            assertThat(risk(first).get("score").asDouble()).isEqualTo(0.393); // 1 - e^-0.5
            assertThat(risk(first).get("alerts_30d").asInt()).isEqualTo(1);
            assertThat(h.getSideOutput(Descriptors.CHANGES)).isNull();

            // A high alert 2 s later, nothing pending: a patch of the stored document's risk
            // group, and the score crosses the bar.
            h.setProcessingTime(12_000);
            h.processElement(alert("u1", "high", T0 + 1), T0);
            ProfileRecord patch = h.extractOutputValues().get(2);
            assertThat(patch.riskPatch()).isTrue();
            assertThat(patch.json()).isEqualTo("\"risk\":{\"score\":0.777,\"alerts_30d\":2");
            ProfileRecord patched = first.withRisk(patch);
            assertThat(risk(patched).get("score").asDouble()).isEqualTo(0.777); // 1 - e^-1.5
            assertThat(risk(patched).get("bot_score")).isEqualTo(risk(first).get("bot_score"));
            ProfileSchema.assertValid(patched.json());
            ProfileChange up = h.getSideOutput(Descriptors.CHANGES).poll().getValue();
            assertThat(up.kind()).isEqualTo("risk_crossed");
            assertThat(up.from()).isEqualTo("0.393");
            assertThat(up.to()).isEqualTo("0.777");
            assertThat(up.profileVersion()).isEqualTo(1);

            // Two half-lives (14 days) later the weight is a quarter: 1 - e^-0.375 = 0.313, below
            // the bar, so it crosses back down.
            h.setProcessingTime(14_000);
            ProfilePart later = part("u1", 2);
            later.core.lastSeen = T0 + 1 + 14 * day;
            h.processElement(later, T0);
            ProfileRecord third = h.extractOutputValues().get(3);
            assertThat(third.riskPatch()).isFalse();
            assertThat(risk(third).get("score").asDouble()).isEqualTo(0.313);
            assertThat(risk(third).get("alerts_30d").asInt()).isEqualTo(2);
            ProfileChange down = h.getSideOutput(Descriptors.CHANGES).poll().getValue();
            assertThat(down.from()).isEqualTo("0.777");
            assertThat(down.to()).isEqualTo("0.313");
            ProfileSchema.assertValid(third.json());

            // A month of quiet later nothing is left: the risk state goes, and so do the parts.
            h.setProcessingTime(16_000);
            ProfilePart quiet = part("u1", 3);
            quiet.core.lastSeen = T0 + 200 * day;
            h.processElement(quiet, T0);
            assertThat(risk(h.extractOutputValues().get(4)).get("alerts_30d").asInt()).isZero();
            h.setProcessingTime(20_000);
            assertThat(Harnesses.keysWithState(h, "assembler")).isZero();
        }
    }

    @Test
    void riskScoreDoesNotDependOnTheOrderAlertsArriveIn() {
        long hl = 7 * 86_400_000L;
        RiskState a = new RiskState();
        RiskState b = new RiskState();
        io.portrait.anomaly.RiskSignal[] s = new io.portrait.anomaly.RiskSignal[3];
        String[] sev = {"high", "low", "medium"};
        long[] ts = {T0, T0 + 3 * 86_400_000L, T0 + 86_400_000L};
        for (int i = 0; i < 3; i++) {
            s[i] = new io.portrait.anomaly.RiskSignal();
            s[i].severity = sev[i];
            s[i].ts = ts[i];
        }
        a.add(s[0], hl);
        a.add(s[1], hl);
        a.add(s[2], hl);
        b.add(s[2], hl);
        b.add(s[1], hl);
        b.add(s[0], hl);
        long t = T0 + 10 * 86_400_000L;
        double expected =
                1
                        - Math.exp(
                                -(1.0 * Math.pow(2, -10 / 7.0)
                                        + 0.25 * Math.pow(2, -7 / 7.0)
                                        + 0.5 * Math.pow(2, -9 / 7.0)));
        assertThat(a.score(t, hl)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(b.score(t, hl)).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(a.alerts30d(t)).isEqualTo(3);
    }
}
