package io.portrait.quality;

import static io.portrait.testing.TestEvents.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.anomaly.Alert;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.Descriptors;
import io.portrait.testing.Harnesses;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DataQualityFunctionTest {

    static final long T0 = 1_764_000_000_000L;
    static final PortraitConfig CONFIG = PortraitConfig.defaults();

    static KeyedOneInputStreamOperatorTestHarness<String, Event, Event> harness(
            OperatorSubtaskState restore) throws Exception {
        return Harnesses.keyed(
                new DataQualityFunction(CONFIG), Event::userId, Harnesses.rocksDb(), restore);
    }

    static List<Alert> alerts(KeyedOneInputStreamOperatorTestHarness<String, Event, Event> h) {
        return h.getSideOutput(Descriptors.ALERTS) == null
                ? List.of()
                : h.getSideOutput(Descriptors.ALERTS).stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void humanTrafficIsNotFlagged() throws Exception {
        try (var h = harness(null)) {
            long ts = T0;
            java.util.Random r = new java.util.Random(5);
            for (int i = 0; i < 200; i++) {
                ts += 2_000 + r.nextInt(40_000);
                EventType t = i % 7 == 0 ? EventType.CLICK : EventType.VIEW;
                h.processElement(
                        at("u1", "e" + i, t, ts).category("Shoes").device("mobile").build(), ts);
            }
            assertThat(h.extractOutputValues()).noneMatch(Event::botSuspected);
            assertThat(alerts(h)).isEmpty();
        }
    }

    @Test
    void superhumanRatesAreFlaggedAndAlertedOnce() throws Exception {
        try (var h = harness(null)) {
            for (int i = 0; i < 100; i++) {
                long ts = T0 + i * 100L + (i % 3) * 7; // 10 actions a second, jittered
                h.processElement(at("u1", "e" + i, EventType.CLICK, ts).build(), ts);
            }
            List<Event> out = h.extractOutputValues();
            assertThat(out).as("flagged, not dropped").hasSize(100);
            assertThat(out.get(28).botSuspected()).isFalse();
            assertThat(out.subList(29, 100)).allMatch(Event::botSuspected);
            List<Alert> alerts = alerts(h);
            assertThat(alerts).hasSize(1);
            Alert a = alerts.get(0);
            assertThat(a.rule()).isEqualTo("bot_burst");
            assertThat(a.detailsJson()).contains("\"reason\":\"rate\"");
            assertThat(a.eventIds()).contains("e29").hasSize(5);
            assertThat(a.alertId()).isEqualTo(Alert.id("bot_burst", 1, "u1", a.eventIds()));
        }
    }

    @Test
    void aMultiLineInvoiceIsOneAction() throws Exception {
        try (var h = harness(null)) {
            for (int i = 0; i < 500; i++) { // a wholesaler's 500-line invoice, all at one time
                h.processElement(
                        at("u1", "l" + i, EventType.PURCHASE, T0)
                                .order("inv-1")
                                .amount(100)
                                .quantity(1)
                                .build(),
                        T0);
            }
            assertThat(h.extractOutputValues()).noneMatch(Event::botSuspected);
        }
    }

    @Test
    void metronomicTrafficAndViewFloodsAreFlagged() throws Exception {
        try (var h = harness(null)) {
            for (int i = 0; i < 20; i++) {
                long ts = T0 + i * 5_000L; // exactly every 5 s
                h.processElement(at("bot", "m" + i, EventType.SEARCH, ts).build(), ts);
            }
            assertThat(h.extractOutputValues().get(19).botSuspected()).isTrue();
            assertThat(alerts(h).get(0).detailsJson()).contains("metronome");

            long ts = T0;
            java.util.Random r = new java.util.Random(3);
            for (int i = 0; i < 300; i++) {
                ts += 3_000 + r.nextInt(20_000);
                h.processElement(at("flood", "v" + i, EventType.VIEW, ts).build(), ts);
            }
            List<Event> flood =
                    h.extractOutputValues().stream()
                            .filter(e -> e.userId().equals("flood"))
                            .toList();
            assertThat(flood.get(298).botSuspected()).isFalse();
            assertThat(flood.get(299).botSuspected()).isTrue();
        }
    }

    @Test
    void alertsAreSuppressedPerUserInEventTime() throws Exception {
        try (var h = harness(null)) {
            for (int burst = 0; burst < 3; burst++) {
                long start = T0 + burst * 40 * 60_000L; // every 40 min; suppression is 1 h
                for (int i = 0; i < 40; i++) {
                    h.processElement(
                            at("u1", "b" + burst + "-" + i, EventType.CLICK, start + i * 50L)
                                    .build(),
                            start);
                }
            }
            assertThat(alerts(h)).extracting(Alert::ts).hasSize(2);
        }
    }

    @Test
    void flagsTheGeneratorsBotsAndNobodyElse() throws Exception {
        // Demo-like traffic: 20 000 users, 2 000 events per second of event time, 60 s.
        java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
        io.portrait.demo.TrafficGenerator gen =
                new io.portrait.demo.TrafficGenerator(
                        42, 20_000, () -> T0 + n.incrementAndGet() / 2, 0, 0);
        io.portrait.ingest.EventParser parser = new io.portrait.ingest.EventParser(CONFIG);
        try (var h =
                Harnesses.keyed(
                        new DataQualityFunction(CONFIG), Event::userId, Harnesses.heap(), null)) {
            for (int i = 0; i < 120_000; i++) {
                var r = gen.next();
                Event e = parser.parse(r.key(), r.value(), null, Long.MAX_VALUE / 2).event();
                h.processElement(e, e.ts());
            }
            java.util.Set<String> flagged = new java.util.TreeSet<>();
            alerts(h).forEach(a -> flagged.add(a.userId()));
            assertThat(gen.botUserIds()).isNotEmpty();
            assertThat(flagged).isEqualTo(gen.botUserIds());
        }
    }

    @Test
    void appliesTheMissingValuePolicy() throws Exception {
        try (var h = harness(null)) {
            h.processElement(at("u1", "a", EventType.VIEW, T0).category("  Garden ").build(), T0);
            h.processElement(
                    at("u1", "b", EventType.PURCHASE, T0).amountWithoutCurrency(500).build(), T0);
            h.processElement(at("u1", "c", EventType.PURCHASE, T0).build(), T0);
            List<Event> out = h.extractOutputValues();
            assertThat(out.get(0).category()).isEqualTo("garden");
            assertThat(out.get(1).currency()).isEqualTo("GBP");
            assertThat(out.get(2).amountMinor()).isZero();
        }
    }

    @Test
    void eraseClearsTheDetectorAndRestoreKeepsIt() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            h.processElement(at("u1", "a", EventType.VIEW, T0).build(), T0);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(snapshot)) {
            assertThat(Harnesses.keysWithState(h, Descriptors.botState().getName())).isEqualTo(1);
            h.processElement(at("u1", "x", EventType.ERASE, T0 + 1).build(), T0);
            assertThat(Harnesses.keysWithState(h, Descriptors.botState().getName())).isZero();
            assertThat(h.extractOutputValues())
                    .extracting(Event::type)
                    .containsExactly(EventType.ERASE);
        }
    }
}
