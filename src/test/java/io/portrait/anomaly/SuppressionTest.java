package io.portrait.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.common.Wire;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Alert suppression per user and rule, and the read-back de-duplication of the CEP loop. */
class SuppressionTest {
    static final long T0 = 1_764_000_000_000L;
    static final long MIN = 60_000L;
    static final long WINDOW = 60 * MIN;

    static Alert alert(String user, String rule, long ts, String id) {
        return Alert.of(user, rule, 1, "high", ts, 0, new String[] {id}, "{}");
    }

    @Test
    void repeatsOfARuleForAUserAreDroppedWithinTheWindowEitherSide() {
        Map<String, Suppression> users = new HashMap<>();
        List<String> passed = new ArrayList<>();
        for (Alert a :
                List.of(
                        alert("u1", "card_testing", T0, "a"),
                        alert("u1", "card_testing", T0 + 10 * MIN, "b"), // suppressed
                        alert("u1", "card_testing", T0 - 5 * MIN, "c"), // late: too
                        alert("u1", "spend_spike", T0 + 10 * MIN, "d"), // other rule
                        alert("u2", "card_testing", T0 + 10 * MIN, "e"), // other user
                        alert("u1", "card_testing", T0 + 61 * MIN, "f"))) { // after the window
            if (users.computeIfAbsent(a.userId(), u -> new Suppression())
                    .admit(a, WINDOW, Long.MIN_VALUE)) {
                passed.add(a.eventIds()[0]);
            }
        }
        assertThat(passed).containsExactly("a", "d", "e", "f");
    }

    @Test
    void anEntryGoesOnceTheWatermarkPassesItsWindow() {
        Suppression s = new Suppression();
        assertThat(s.admit(alert("u", "r", T0, "a"), WINDOW, Long.MIN_VALUE)).isTrue();
        assertThat(s.admit(alert("u", "r", T0 - 30 * MIN, "b"), WINDOW, T0 + 59 * MIN)).isFalse();
        assertThat(s.admit(alert("u", "r", T0 - 30 * MIN, "c"), WINDOW, T0 + 60 * MIN))
                .as("forgotten at the watermark: an alert that old now passes")
                .isTrue();
    }

    @Test
    void readBackAlertsAreRecognisedByIdAndTheStateRoundTrips() {
        Suppression s = new Suppression();
        for (int i = 0; i < Suppression.RECENT_IDS; i++) {
            assertThat(s.seen("id-" + i)).isFalse();
        }
        assertThat(s.seen("id-3")).isTrue();
        s.admit(alert("u", "r", T0, "a"), WINDOW, Long.MIN_VALUE);
        Wire.Out out = new Wire.Out(16);
        s.write(out);
        Suppression back = Suppression.read(new Wire.In(out.toByteArray()));
        assertThat(back.seen("id-7")).isTrue();
        assertThat(back.admit(alert("u", "r", T0 + MIN, "b"), WINDOW, Long.MIN_VALUE)).isFalse();
        // The ring keeps the newest ids: one more pushes the oldest out.
        assertThat(back.seen("new")).isFalse();
        assertThat(back.seen("id-0")).as("the oldest id was replaced").isFalse();
    }
}
