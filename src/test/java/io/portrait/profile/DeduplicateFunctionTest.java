package io.portrait.profile;

import static io.portrait.testing.TestEvents.event;
import static io.portrait.testing.TestEvents.setting;
import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.Settings;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.testing.Harnesses;
import io.portrait.testing.TestEvents;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DeduplicateFunctionTest {

    static final long HOUR = 3_600_000L;
    static final long T0 = 1_764_000_000_000L; // a whole hour
    static final String SEEN = Descriptors.seenEventIds().getName();

    static final PortraitConfig CONFIG =
            PortraitConfig.defaults()
                    .with(
                            Map.of(
                                    "portrait.dedup.horizon", "2 h",
                                    "portrait.dedup.cleanup-interval", "1 h"));

    static KeyedBroadcastOperatorTestHarness<String, Event, ControlMessage, Event> harness(
            OperatorSubtaskState restore) throws Exception {
        return Harnesses.keyedBroadcast(
                new DeduplicateFunction(CONFIG), Event::userId, Harnesses.rocksDb(), restore);
    }

    @Test
    void dropsRepeatedIdsOfAUserOnly() throws Exception {
        try (var h = harness(null)) {
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            h.processElement(event("u2", "e1", EventType.VIEW, T0), T0);
            h.processElement(event("u1", "e2", EventType.CLICK, T0 + 1), T0 + 1);

            assertThat(h.extractOutputValues())
                    .extracting(e -> e.userId() + "/" + e.eventId())
                    .containsExactly("u1/e1", "u2/e1", "u1/e2");
        }
    }

    @Test
    void forgetsIdsOnceTheWatermarkPassesTheHorizon() throws Exception {
        try (var h = harness(null)) {
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            assertThat(Harnesses.keysWithState(h, SEEN)).isEqualTo(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            h.processWatermark(T0 + 2 * HOUR - 1);
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            assertThat(h.extractOutputValues()).hasSize(1);

            h.processWatermark(T0 + 2 * HOUR);
            assertThat(h.numEventTimeTimers()).isZero();
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            assertThat(h.extractOutputValues())
                    .as("a duplicate older than the horizon is counted again (documented)")
                    .hasSize(2);
        }
    }

    @Test
    void stateGoesBackToZero() throws Exception {
        try (var h =
                Harnesses.keyedBroadcast(
                        new DeduplicateFunction(CONFIG), Event::userId, Harnesses.heap(), null)) {
            for (int i = 0; i < 50; i++) {
                h.processElement(
                        event("u" + (i % 5), "e" + i, EventType.VIEW, T0 + i * 60_000L), T0);
            }
            assertThat(Harnesses.keysWithState(h, SEEN)).isEqualTo(5);
            h.processWatermark(T0 + 2 * HOUR);
            assertThat(Harnesses.keysWithState(h, SEEN)).as("only e0 has expired").isEqualTo(5);
            h.processWatermark(T0 + 3 * HOUR);
            assertThat(Harnesses.keysWithState(h, SEEN)).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void theHorizonIsTunableAtRunTime() throws Exception {
        try (var h = harness(null)) {
            h.processBroadcastElement(setting(Settings.DEDUP_HORIZON, "10 min", 1), 0);
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            h.processWatermark(T0 + HOUR); // first cleanup tick after 10 min
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            assertThat(h.extractOutputValues()).hasSize(2);

            // Deleting the setting restores the configured 2 h.
            h.processBroadcastElement(TestEvents.deleteSetting(Settings.DEDUP_HORIZON), 0);
            h.processElement(event("u1", "e2", EventType.VIEW, T0 + HOUR), T0);
            h.processWatermark(T0 + 2 * HOUR);
            h.processElement(event("u1", "e2", EventType.VIEW, T0 + HOUR), T0);
            assertThat(h.extractOutputValues()).hasSize(3);
        }
    }

    @Test
    void olderControlVersionsDoNotWin() throws Exception {
        try (var h = harness(null)) {
            h.processBroadcastElement(setting(Settings.DEDUP_HORIZON, "10 min", 5), 0);
            h.processBroadcastElement(setting(Settings.DEDUP_HORIZON, "10 h", 4), 0);
            assertThat(
                            h.getBroadcastState(Descriptors.CONTROL)
                                    .get("setting:dedup.horizon")
                                    .version())
                    .isEqualTo(5);
        }
    }

    @Test
    void eraseForgetsTheUsersIds() throws Exception {
        try (var h = harness(null)) {
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            h.processElement(event("u1", "e2", EventType.VIEW, T0 + 2 * HOUR), T0);
            assertThat(h.numEventTimeTimers()).isEqualTo(2);
            h.processElement(event("u1", "x", EventType.ERASE, T0 + 1), T0);
            assertThat(Harnesses.keysWithState(h, SEEN)).isZero();
            assertThat(h.numEventTimeTimers()).as("timers deleted with the ids").isZero();
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            assertThat(h.extractOutputValues())
                    .extracting(Event::eventId)
                    .containsExactly("e1", "e2", "x", "e1");
        }
    }

    @Test
    void survivesSnapshotAndRestoreOnRocksDb() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.processBroadcastElement(setting(Settings.DEDUP_HORIZON, "3 h", 1), 0);
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness(snapshot)) {
            h.processBroadcastWatermark(Long.MAX_VALUE);
            h.processElement(event("u1", "e1", EventType.VIEW, T0), T0);
            assertThat(h.extractOutputValues()).as("still a duplicate after restore").isEmpty();
            assertThat(h.getBroadcastState(Descriptors.CONTROL).get("setting:dedup.horizon"))
                    .isNotNull();
            h.processWatermark(T0 + 3 * HOUR);
            assertThat(Harnesses.keysWithState(h, SEEN)).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }
}
