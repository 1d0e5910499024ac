package io.portrait.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.testing.Harnesses;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AlertSuppressorTest {
    static final long T0 = 1_764_000_000_000L;
    static final long MIN = 60_000;

    static Alert alert(String user, String rule, long ts, String id) {
        return Alert.of(user, rule, 1, "high", ts, 0, new String[] {id}, "{}");
    }

    @Test
    void repeatsOfARuleForAUserAreDroppedWithinTheWindowAndStateIsCleanedAfterIt()
            throws Exception {
        try (var h =
                Harnesses.keyed(
                        new AlertSuppressor(Duration.ofMinutes(60)),
                        AlertSuppressor::key,
                        Harnesses.rocksDb(),
                        null)) {
            h.processElement(alert("u1", "card_testing", T0, "a"), T0);
            h.processElement(alert("u1", "card_testing", T0 + 10 * MIN, "b"), T0); // suppressed
            h.processElement(alert("u1", "card_testing", T0 - 5 * MIN, "c"), T0); // late: too
            h.processElement(alert("u1", "spend_spike", T0 + 10 * MIN, "d"), T0); // other rule
            h.processElement(alert("u2", "card_testing", T0 + 10 * MIN, "e"), T0); // other user
            h.processElement(alert("u1", "card_testing", T0 + 61 * MIN, "f"), T0); // after window
            assertThat(h.extractOutputValues())
                    .extracting(a -> a.eventIds()[0])
                    .containsExactly("a", "d", "e", "f");
            h.processWatermark(T0 + 200 * MIN);
            assertThat(Harnesses.keysWithState(h, "last-alert")).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }
}
