package io.portrait.quality;

import static io.portrait.testing.TestEvents.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.anomaly.Alert;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The data-quality module on its own: corrections, bot flags and alerts, per user in order. */
class QualityTest {

    static final long T0 = 1_764_000_000_000L;
    static final PortraitConfig CONFIG = PortraitConfig.defaults();

    /** The module run as the user operator runs it: one detector state per user. */
    static final class Run implements AutoCloseable {
        final Quality quality = new Quality(CONFIG);
        final java.util.Map<String, BotState> states = new java.util.HashMap<>();
        final List<Event> out = new java.util.ArrayList<>();
        final List<Alert> alerts = new java.util.ArrayList<>();
        final java.util.Map<String, Long> counts = new java.util.TreeMap<>();

        void send(Event e) {
            BotState s = states.computeIfAbsent(e.userId(), u -> new BotState());
            Quality.Result r =
                    quality.apply(s, e, 0, reason -> counts.merge(reason, 1L, Long::sum));
            out.add(r.event());
            if (r.alert() != null) {
                alerts.add(r.alert());
            }
        }

        @Override
        public void close() {}
    }

    static Run harness() {
        return new Run();
    }

    @Test
    void humanTrafficIsNotFlagged() {
        try (var h = harness()) {
            long ts = T0;
            java.util.Random r = new java.util.Random(5);
            for (int i = 0; i < 200; i++) {
                ts += 2_000 + r.nextInt(40_000);
                EventType t = i % 7 == 0 ? EventType.CLICK : EventType.VIEW;
                h.send(at("u1", "e" + i, t, ts).category("Shoes").device("mobile").build());
            }
            assertThat(h.out).noneMatch(Event::botSuspected);
            assertThat(h.alerts).isEmpty();
        }
    }

    @Test
    void superhumanRatesAreFlaggedAndAlertedOnce() {
        try (var h = harness()) {
            for (int i = 0; i < 100; i++) {
                long ts = T0 + i * 100L + (i % 3) * 7; // 10 actions a second, jittered
                h.send(at("u1", "e" + i, EventType.CLICK, ts).build());
            }
            List<Event> out = h.out;
            assertThat(out).as("flagged, not dropped").hasSize(100);
            assertThat(out.get(28).botSuspected()).isFalse();
            assertThat(out.subList(29, 100)).allMatch(Event::botSuspected);
            List<Alert> alerts = h.alerts;
            assertThat(alerts).hasSize(1);
            Alert a = alerts.get(0);
            assertThat(a.rule()).isEqualTo("bot_burst");
            assertThat(a.detailsJson()).contains("\"reason\":\"rate\"");
            assertThat(a.eventIds()).contains("e29").hasSize(5);
            assertThat(a.alertId()).isEqualTo(Alert.id("bot_burst", 1, "u1", a.eventIds()));
        }
    }

    @Test
    void aMultiLineInvoiceIsOneAction() {
        try (var h = harness()) {
            for (int i = 0; i < 500; i++) { // a wholesaler's 500-line invoice, all at one time
                h.send(
                        at("u1", "l" + i, EventType.PURCHASE, T0)
                                .order("inv-1")
                                .amount(100)
                                .quantity(1)
                                .build());
            }
            assertThat(h.out).noneMatch(Event::botSuspected);
        }
    }

    @Test
    void metronomicTrafficAndViewFloodsAreFlagged() {
        try (var h = harness()) {
            for (int i = 0; i < 20; i++) {
                long ts = T0 + i * 5_000L; // exactly every 5 s
                h.send(at("bot", "m" + i, EventType.SEARCH, ts).build());
            }
            assertThat(h.out.get(19).botSuspected()).isTrue();
            assertThat(h.alerts.get(0).detailsJson()).contains("metronome");

            long ts = T0;
            java.util.Random r = new java.util.Random(3);
            for (int i = 0; i < 300; i++) {
                ts += 3_000 + r.nextInt(20_000);
                h.send(at("flood", "v" + i, EventType.VIEW, ts).build());
            }
            List<Event> flood = h.out.stream().filter(e -> e.userId().equals("flood")).toList();
            assertThat(flood.get(298).botSuspected()).isFalse();
            assertThat(flood.get(299).botSuspected()).isTrue();
        }
    }

    @Test
    void alertsAreSuppressedPerUserInEventTime() {
        try (var h = harness()) {
            for (int burst = 0; burst < 3; burst++) {
                long start = T0 + burst * 40 * 60_000L; // every 40 min; suppression is 1 h
                for (int i = 0; i < 40; i++) {
                    h.send(
                            at("u1", "b" + burst + "-" + i, EventType.CLICK, start + i * 50L)
                                    .build());
                }
            }
            assertThat(h.alerts).extracting(Alert::ts).hasSize(2);
        }
    }

    @Test
    void flagsTheGeneratorsBotsAndNobodyElse() {
        // Demo-like traffic: 20 000 users, 2 000 events per second of event time, 60 s.
        java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
        io.portrait.demo.TrafficGenerator gen =
                new io.portrait.demo.TrafficGenerator(
                        42, 20_000, () -> T0 + n.incrementAndGet() / 2, 0, 0);
        io.portrait.ingest.EventParser parser = new io.portrait.ingest.EventParser(CONFIG);
        try (var h = harness()) {
            for (int i = 0; i < 120_000; i++) {
                var r = gen.next();
                Event e = parser.parse(r.key(), r.value(), null, Long.MAX_VALUE / 2).event();
                h.send(e);
            }
            java.util.Set<String> flagged = new java.util.TreeSet<>();
            h.alerts.forEach(a -> flagged.add(a.userId()));
            assertThat(gen.botUserIds()).isNotEmpty();
            assertThat(flagged).isEqualTo(gen.botUserIds());
        }
    }

    @Test
    void appliesTheMissingValuePolicy() {
        try (var h = harness()) {
            h.send(at("u1", "a", EventType.VIEW, T0).category("  Garden ").build());
            h.send(at("u1", "b", EventType.PURCHASE, T0).amountWithoutCurrency(500).build());
            h.send(at("u1", "c", EventType.PURCHASE, T0).build());
            List<Event> out = h.out;
            assertThat(out.get(0).category()).isEqualTo("garden");
            assertThat(out.get(1).currency()).isEqualTo("GBP");
            assertThat(out.get(2).amountMinor()).isZero();
        }
    }

    @Test
    void countsEveryCorrectionUnderItsReason() {
        try (var h = harness()) {
            h.send(at("u1", "a", EventType.VIEW, T0).category("  Garden ").build());
            h.send(at("u1", "b", EventType.PURCHASE, T0).amountWithoutCurrency(500).build());
            h.send(at("u1", "c", EventType.PURCHASE, T0).build());
            assertThat(h.counts)
                    .containsEntry("corrected_category", 1L)
                    .containsEntry("imputed_currency", 1L)
                    .containsEntry("missing_amount", 1L)
                    .containsEntry("missing_category", 2L)
                    .containsEntry("missing_device", 3L)
                    .containsEntry("imputed_tz", 3L);
        }
    }

    @Test
    void theDetectorSurvivesItsEncodingExactly() {
        Quality q = new Quality(CONFIG);
        BotState s = new BotState();
        for (int i = 0; i < 40; i++) {
            q.apply(
                    s,
                    at("u1", "e" + i, EventType.CLICK, T0 + i * 777L).order("o" + (i / 3)).build(),
                    0,
                    r -> {});
        }
        io.portrait.common.Wire.Out out = new io.portrait.common.Wire.Out(64);
        Quality.write(s, out);
        BotState back = Quality.read(new io.portrait.common.Wire.In(out.toByteArray()));
        for (int k = 1; k <= BotState.RING; k++) {
            assertThat(back.action(k)).as("action %d", k).isEqualTo(s.action(k));
        }
        assertThat(back.evidence()).containsExactly(s.evidence());
        assertThat(back.viewStreak).isEqualTo(s.viewStreak);
        assertThat(back.suppressedUntil).isEqualTo(s.suppressedUntil);
        assertThat(back.lastOrderHash).isEqualTo(s.lastOrderHash);
        Event next = at("u1", "n", EventType.CLICK, T0 + 41 * 777L).build();
        assertThat(q.apply(back, next, 0, r -> {}).event().botSuspected())
                .isEqualTo(q.apply(s, next, 0, r -> {}).event().botSuspected());
    }
}
