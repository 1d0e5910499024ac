package io.portrait.profile;

import static io.portrait.testing.TestEvents.event;
import static io.portrait.testing.TestEvents.purchase;
import static io.portrait.testing.TestEvents.refund;
import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.testing.Harnesses;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ProfileCoreFunctionTest {

    static final long HOUR = 3_600_000L;
    static final long T0 = 1_764_000_000_000L;
    static final PortraitConfig CONFIG =
            PortraitConfig.defaults().with(Map.of("portrait.dedup.horizon", "2 h"));
    static final String ORDERS = Descriptors.seenOrderIds().getName();
    static final String CORE = Descriptors.coreFeatures().getName();

    static KeyedOneInputStreamOperatorTestHarness<String, Event, ProfilePart> harness(
            OperatorSubtaskState restore) throws Exception {
        return Harnesses.keyed(
                new ProfileCoreFunction(CONFIG), Event::userId, Harnesses.rocksDb(), restore);
    }

    static CoreFeatures last(KeyedOneInputStreamOperatorTestHarness<String, Event, ProfilePart> h) {
        List<ProfilePart> out = h.extractOutputValues();
        return out.get(out.size() - 1).core;
    }

    @Test
    void countsEventsAndKeepsMoneyExact() throws Exception {
        try (var h = harness(null)) {
            h.processElement(event("u1", "a", EventType.VIEW, T0 + 5), T0);
            h.processElement(purchase("u1", "b", T0 + 10, "o1", 1_010), T0);
            h.processElement(purchase("u1", "c", T0 + 11, "o1", 2_020), T0); // second line of o1
            h.processElement(purchase("u1", "d", T0 + 20, null, 30), T0); // its own order
            h.processElement(refund("u1", "e", T0 + 30, 1_010), T0);
            h.processElement(event("u1", "f", EventType.VIEW, T0 + 1), T0); // older than last_seen

            CoreFeatures f = last(h);
            assertThat(f.version).isEqualTo(6);
            assertThat(f.total).isEqualTo(6);
            assertThat(f.count(EventType.VIEW)).isEqualTo(2);
            assertThat(f.count(EventType.PURCHASE)).isEqualTo(3);
            assertThat(f.orders).as("o1 has two lines but is one order").isEqualTo(2);
            assertThat(f.purchaseMinor).isEqualTo(3_060);
            assertThat(f.refundMinor).isEqualTo(1_010);
            assertThat(f.lastPurchaseAt).isEqualTo(T0 + 20);
            assertThat(f.firstSeen).isEqualTo(T0 + 1);
            assertThat(f.lastSeen).isEqualTo(T0 + 30);
            assertThat(h.extractOutputValues()).allMatch(p -> p.userId.equals("u1"));
        }
    }

    @Test
    void lateEventsAreAppliedAndCounted() throws Exception {
        try (var h = harness(null)) {
            h.processWatermark(T0 + 1000);
            h.processElement(event("u1", "a", EventType.VIEW, T0 + 999), T0);
            h.processElement(event("u1", "b", EventType.VIEW, T0 + 1000), T0);
            assertThat(last(h).late).isEqualTo(1);
            assertThat(last(h).total).isEqualTo(2);
        }
    }

    @Test
    void orderIdsAreForgottenAfterTheHorizon() throws Exception {
        try (var h = harness(null)) {
            h.processElement(purchase("u1", "b", T0, "o1", 100), T0);
            assertThat(Harnesses.keysWithState(h, ORDERS)).isEqualTo(1);
            h.processWatermark(T0 + 2 * HOUR);
            assertThat(Harnesses.keysWithState(h, ORDERS)).isZero();
            assertThat(h.numEventTimeTimers()).as("only the silence timer is left").isEqualTo(1);
            assertThat(Harnesses.keysWithState(h, CORE)).as("features stay").isEqualTo(1);
        }
    }

    static List<ProfilePart> silenceParts(
            KeyedOneInputStreamOperatorTestHarness<String, Event, ProfilePart> h) {
        return h.extractOutputValues().stream().filter(p -> p.silenceAt > 0).toList();
    }

    @Test
    void silentUsersGetSilenceUpdatesAtEachTickUpToTheLimit() throws Exception {
        try (var h = harness(null)) {
            h.processElement(event("u1", "a", EventType.VIEW, T0), T0);
            assertThat(h.extractOutputValues().get(0).step)
                    .as("the model sees the event")
                    .isNotNull();
            // Active again after 4 h: the 6 h timer fires early and re-arms from the new event.
            h.processElement(event("u1", "b", EventType.CLICK, T0 + 4 * HOUR), T0);
            h.processWatermark(T0 + 6 * HOUR);
            assertThat(silenceParts(h)).isEmpty();
            h.processWatermark(T0 + 4 * HOUR + 30 * HOUR);
            List<ProfilePart> ticks = silenceParts(h);
            assertThat(ticks).extracting(p -> p.silenceTick).containsExactly(1, 2, 3, 4);
            assertThat(ticks)
                    .extracting(p -> p.silenceAt - (T0 + 4 * HOUR))
                    .containsExactly(6 * HOUR, 12 * HOUR, 18 * HOUR, 24 * HOUR);
            assertThat(ticks).allMatch(p -> p.step == null && p.core.version == 2);
            assertThat(h.numEventTimeTimers()).as("the chain ends after four ticks").isZero();

            // A new event starts a new chain.
            h.processElement(event("u1", "c", EventType.VIEW, T0 + 40 * HOUR), T0);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
        }
    }

    @Test
    void theEndOfABoundedInputSendsNoSilenceUpdate() throws Exception {
        try (var h = harness(null)) {
            h.processElement(event("u1", "a", EventType.VIEW, T0), T0);
            h.processWatermark(Long.MAX_VALUE);
            assertThat(silenceParts(h)).isEmpty();
        }
    }

    @Test
    void eraseKeepsOnlyTheVersion() throws Exception {
        try (var h = harness(null)) {
            h.processElement(purchase("u1", "b", T0, "o1", 100), T0);
            h.processElement(event("u1", "x", EventType.ERASE, T0 + 1), T0);
            CoreFeatures erased = last(h);
            assertThat(erased.erased).isTrue();
            assertThat(erased.version).isEqualTo(2);
            assertThat(erased.total).isZero();
            assertThat(erased.purchaseMinor).isZero();
            assertThat(Harnesses.keysWithState(h, ORDERS)).isZero();
            assertThat(Harnesses.keysWithState(h, CORE)).as("no features remain").isZero();
            assertThat(Harnesses.keysWithState(h, Descriptors.versionFloor().getName()))
                    .isEqualTo(1);
            assertThat(h.numEventTimeTimers()).as("order-id and silence timers deleted").isZero();

            h.processElement(event("u1", "c", EventType.VIEW, T0 + 2), T0);
            CoreFeatures after = last(h);
            assertThat(after.erased).isFalse();
            assertThat(after.version).as("versions keep moving forward").isEqualTo(3);
            assertThat(after.total).isEqualTo(1);
        }
    }

    @Test
    void retentionForgetsInactiveUsersButNotAtTheEndOfInput() throws Exception {
        PortraitConfig retained = CONFIG.with(Map.of("portrait.profile.retention", "30 d"));
        long day = 86_400_000L;
        try (var h =
                Harnesses.keyed(
                        new ProfileCoreFunction(retained),
                        Event::userId,
                        Harnesses.rocksDb(),
                        null)) {
            h.processElement(event("u1", "a", EventType.VIEW, T0), T0);
            h.processElement(event("u2", "b", EventType.VIEW, T0 + 20 * day), T0);
            h.processWatermark(T0 + 31 * day);
            assertThat(Harnesses.keysWithState(h, CORE)).as("u1 expired, u2 not yet").isEqualTo(1);
            assertThat(Harnesses.keysWithState(h, Descriptors.versionFloor().getName()))
                    .isEqualTo(1);
            h.processElement(event("u1", "c", EventType.VIEW, T0 + 32 * day), T0);
            CoreFeatures back = last(h);
            assertThat(back.version).as("versions keep moving forward").isEqualTo(2);
            assertThat(back.total).isEqualTo(1);
        }
        try (var h =
                Harnesses.keyed(
                        new ProfileCoreFunction(retained),
                        Event::userId,
                        Harnesses.rocksDb(),
                        null)) {
            h.processElement(event("u1", "a", EventType.VIEW, T0), T0);
            h.processWatermark(Long.MAX_VALUE); // a bounded input ends: no silence effects
            assertThat(Harnesses.keysWithState(h, CORE)).isEqualTo(1);
        }
    }

    @Test
    void survivesSnapshotAndRestoreOnRocksDb() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.processElement(purchase("u1", "b", T0, "o1", 100), T0);
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness(snapshot)) {
            h.processElement(purchase("u1", "c", T0 + 1, "o1", 50), T0);
            CoreFeatures f = last(h);
            assertThat(f.version).isEqualTo(2);
            assertThat(f.orders).as("order id remembered across restore").isEqualTo(1);
            assertThat(f.purchaseMinor).isEqualTo(150);
            h.processWatermark(T0 + 3 * HOUR);
            assertThat(Harnesses.keysWithState(h, ORDERS)).isZero();
        }
    }
}
