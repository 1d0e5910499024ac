package io.portrait.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.common.Wire;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The id set of de-duplication and distinct orders, against a brute-force model. */
class SeenIdsTest {
    static final long HOUR = 3_600_000L;
    static final long T0 = 1_764_000_000_000L;

    @Test
    void aRepeatWithinTheHorizonOfTheNewestEventIsSeen() {
        SeenIds s = new SeenIds();
        assertThat(s.add(1, T0, 2 * HOUR, 100)).isTrue();
        assertThat(s.add(1, T0, 2 * HOUR, 100)).isFalse();
        assertThat(s.add(2, T0 + 2 * HOUR - 1, 2 * HOUR, 100)).isTrue();
        assertThat(s.add(1, T0, 2 * HOUR, 100)).as("newest - horizon < T0").isFalse();
        assertThat(s.add(3, T0 + 2 * HOUR, 2 * HOUR, 100)).isTrue();
        assertThat(s.add(1, T0, 2 * HOUR, 100))
                .as("a repeat older than the horizon counts again (documented)")
                .isTrue();
    }

    @Test
    void beyondItsCapTheOldestIdGoesFirst() {
        SeenIds s = new SeenIds();
        for (int i = 0; i < 10; i++) {
            s.add(i, T0 + i, HOUR, 4);
        }
        assertThat(s.size()).isEqualTo(4);
        assertThat(s.add(5, T0 + 5, HOUR, 4)).as("evicted by the cap").isTrue();
        assertThat(s.add(9, T0 + 9, HOUR, 4)).isFalse();
    }

    /** Random streams, out of order: the same answers as a map of every id's latest time. */
    @Test
    void agreesWithABruteForceModelOnRandomStreams() {
        SplittableRandom r = new SplittableRandom(7);
        for (int run = 0; run < 200; run++) {
            SeenIds s = new SeenIds();
            Map<Long, Long> model = new HashMap<>();
            long newest = Long.MIN_VALUE;
            long horizon = HOUR * (1 + r.nextInt(3));
            long t = T0;
            for (int i = 0; i < 300; i++) {
                t += r.nextInt(600_000);
                long ts = t - r.nextInt(1_200_000); // out of order by up to 20 min
                long id = r.nextInt(60);
                long newestNow = Math.max(newest, ts);
                Long seenAt = model.get(id);
                boolean expectedNew = seenAt == null || seenAt <= newestNow - horizon;
                assertThat(s.add(id, ts, horizon, 1_000))
                        .as("run %d event %d", run, i)
                        .isEqualTo(expectedNew);
                model.merge(id, ts, Math::max);
                newest = newestNow;
                if (r.nextInt(50) == 0) {
                    Wire.Out out = new Wire.Out(16);
                    s.write(out);
                    SeenIds back = SeenIds.read(new Wire.In(out.toByteArray()));
                    assertThat(back.sameAs(s)).isTrue();
                    s = back;
                }
            }
        }
    }
}
