package io.portrait.profile.feature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.portrait.event.EventType;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Decay, Beta posterior, Welford, sketches and activity against closed-form expectations. */
class FeatureMathTest {

    static final long DAY = 86_400_000L;
    static final long T0 = Instant.parse("2026-11-02T00:00:00Z").toEpochMilli(); // a Monday

    @Test
    void decayedWindowsAreClosedFormSums() {
        DecayedWindows w = new DecayedWindows();
        w.add(T0, false, 0);
        w.add(T0 + 7 * DAY, true, 1_000);
        // 7-day window at T0 + 7 d: e^-1 (first event) + 1 (second).
        assertThat(w.at(w.events, 0, T0 + 7 * DAY)).isCloseTo(Math.exp(-1) + 1, within(1e-12));
        assertThat(w.at(w.purchases, 1, T0 + 7 * DAY)).isCloseTo(1.0, within(1e-12));
        // Read 30 days later: everything decays by e^(-30/W).
        assertThat(w.at(w.spendMinor, 1, T0 + 37 * DAY))
                .isCloseTo(1_000 * Math.exp(-1), within(1e-9));
    }

    @Test
    void decayedWindowsDoNotDependOnArrivalOrder() {
        List<long[]> events = new ArrayList<>();
        Random r = new Random(1);
        for (int i = 0; i < 200; i++) {
            events.add(
                    new long[] {
                        T0 + r.nextInt(60) * DAY + r.nextInt(1000),
                        r.nextInt(3) == 0 ? 1 : 0,
                        r.nextInt(5000)
                    });
        }
        DecayedWindows inOrder = new DecayedWindows();
        events.stream()
                .sorted((a, b) -> Long.compare(a[0], b[0]))
                .forEach(e -> inOrder.add(e[0], e[1] == 1, e[2]));
        Collections.shuffle(events, r);
        DecayedWindows shuffled = new DecayedWindows();
        events.forEach(e -> shuffled.add(e[0], e[1] == 1, e[2]));
        long asOf = T0 + 61 * DAY;
        for (int i = 0; i < 3; i++) {
            assertThat(shuffled.at(shuffled.events, i, asOf))
                    .isCloseTo(inOrder.at(inOrder.events, i, asOf), within(1e-9));
            assertThat(shuffled.at(shuffled.spendMinor, i, asOf))
                    .isCloseTo(inOrder.at(inOrder.spendMinor, i, asOf), within(1e-6));
        }
    }

    @Test
    void aSteadyRateGivesTheWindowCount() {
        DecayedWindows w = new DecayedWindows();
        for (int d = 0; d < 400; d++) {
            w.add(T0 + d * DAY, false, 0); // one event a day for 400 days
        }
        // Σ e^(-k/W) for k ≥ 0 ≈ W + 1/2 for large W.
        assertThat(w.at(w.events, 1, T0 + 399 * DAY)).isCloseTo(30.5, within(0.1));
        assertThat(w.at(w.events, 2, T0 + 399 * DAY)).isCloseTo(90.5, within(1.5));
    }

    @Test
    void interestsHalveEveryHalfLifeAndKeepTheStrongest() {
        Interests in = new Interests();
        in.add("shoes", 8, T0, 7 * DAY, 3);
        in.add("books", 8, T0 + 7 * DAY, 7 * DAY, 3); // shoes decayed to 4 by now
        assertThat(in.top(5)).containsEntry("books", 8.0 / 12).containsEntry("shoes", 4.0 / 12);
        // Late event (before the reference time) adds its decayed weight.
        in.add("garden", 8, T0, 7 * DAY, 3);
        assertThat(in.top(5).get("garden")).isCloseTo(4.0 / 16, within(1e-12));
        // Full: a new category replaces the weakest and inherits its score (space-saving).
        in.add("toys", 1, T0 + 7 * DAY, 7 * DAY, 3);
        assertThat(in.categories).hasSize(3).contains("toys", "books");
        assertThat(in.top(1)).containsOnlyKeys("books");
    }

    @Test
    void betaPosteriorMeanAndCredibleInterval() {
        assertThat(BetaPosterior.mean(1, 19, 0, 0)).isEqualTo(0.05);
        assertThat(BetaPosterior.mean(1, 19, 3, 10)).isCloseTo(4.0 / 30, within(1e-12));
        double[] uniform = BetaPosterior.ci90(1, 1, 0, 0); // Beta(1,1) is uniform
        assertThat(uniform[0]).isCloseTo(0.05, within(1e-9));
        assertThat(uniform[1]).isCloseTo(0.95, within(1e-9));
        double[] beta21 = BetaPosterior.ci90(1, 1, 1, 1); // Beta(2,1): CDF x² → q = √p
        assertThat(beta21[0]).isCloseTo(Math.sqrt(0.05), within(1e-9));
        assertThat(beta21[1]).isCloseTo(Math.sqrt(0.95), within(1e-9));
        double[] narrow = BetaPosterior.ci90(1, 19, 500, 1000);
        assertThat(narrow[1] - narrow[0]).isLessThan(0.06);
    }

    @Test
    void welfordMatchesTheTwoPassFormulas() {
        double[] xs = {3, 7, 7, 19, 24.5, 0.5};
        double mean = 0;
        double m2 = 0;
        for (int i = 0; i < xs.length; i++) {
            double[] r = Welford.add(i + 1, mean, m2, xs[i]);
            mean = r[0];
            m2 = r[1];
        }
        double m = java.util.Arrays.stream(xs).average().orElseThrow();
        double ss = java.util.Arrays.stream(xs).map(x -> (x - m) * (x - m)).sum();
        assertThat(mean).isCloseTo(m, within(1e-12));
        assertThat(Welford.std(xs.length, m2))
                .isCloseTo(Math.sqrt(ss / (xs.length - 1)), within(1e-12));
    }

    @Test
    void orderValuesSumLinesPerOrderAndEstimateQuantiles() {
        OrderValues ov = new OrderValues();
        ov.addLine(1, 1_000, T0);
        ov.addLine(1, 500, T0); // same order: 15.00
        ov.addLine(2, 3_000, T0 + 1);
        OrderValues seen = ov.withOpenOrderClosed();
        assertThat(seen.count).isEqualTo(2);
        assertThat(seen.mean).isEqualTo(2_250);
        assertThat(ov.count).as("the open order stays open in state").isEqualTo(1);
        for (int i = 1; i <= 999; i++) {
            ov.addOrder(i * 100L);
        }
        OrderValues all = ov.withOpenOrderClosed();
        assertThat(all.quantile(0.5)).isCloseTo(50_000, within(1_500.0));
        assertThat(all.quantile(0.9)).isCloseTo(90_000, within(1_500.0));
        assertThat(all.digest.length).as("a bounded sketch").isLessThan(700);
    }

    @Test
    void rhythmUsesTheUsersZoneAndSessionsAreGapBased() {
        Activity a = new Activity();
        long gap = 30 * 60_000L;
        ZoneId shanghai = ZoneId.of("Asia/Shanghai");
        // Monday 00:30 UTC is Monday 08:30 in Shanghai: cell 8.
        a.add(
                EventType.VIEW,
                T0 + 30 * 60_000L,
                Long.MIN_VALUE,
                shanghai,
                "mobile",
                "CN",
                gap,
                true);
        assertThat(a.hourOfWeek[8]).isEqualTo((short) 1);
        a.add(
                EventType.PURCHASE,
                T0 + 40 * 60_000L,
                T0 + 30 * 60_000L,
                shanghai,
                "mobile",
                null,
                gap,
                true);
        a.add(
                EventType.VIEW,
                T0 + 3 * 3_600_000L,
                T0 + 40 * 60_000L,
                shanghai,
                "desktop",
                null,
                gap,
                true);
        assertThat(a.sessions).isEqualTo(2);
        assertThat(a.trials).isEqualTo(2);
        assertThat(a.successes).isEqualTo(1);
        assertThat(a.preferredDevice()).isEqualTo("mobile");
        assertThat(a.lastCountry).isEqualTo("CN");
        assertThat(a.gapMean).isCloseTo((600 + 8400) / 2.0, within(1e-9));
        // A bot-flagged purchase does not convert a session.
        a.add(
                EventType.PURCHASE,
                T0 + 3 * 3_600_000L + 1,
                T0 + 3 * 3_600_000L,
                shanghai,
                null,
                null,
                gap,
                false);
        assertThat(a.successes).isEqualTo(1);
    }

    @Test
    void demographicsAreValidated() {
        assertThat(Demographics.ageBand(34)).isEqualTo("25-34");
        assertThat(Demographics.ageBand(18)).isEqualTo("18-24");
        assertThat(Demographics.ageBand(70)).isEqualTo("65+");
        assertThat(Demographics.ageBand(7)).isNull();
        assertThat(Demographics.ageBand(230)).isNull();
        assertThat(Demographics.gender("Female")).isEqualTo("f");
        assertThat(Demographics.gender("banana")).isNull();
        assertThat(Demographics.country("gb")).isEqualTo("GB");
        assertThat(Demographics.country("United Kingdom")).isNull();
    }
}
