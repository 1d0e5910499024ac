package io.portrait.user;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** "Behind" as the pacer measures it, and what it does to the flush interval. */
class FlushPacerTest {
    static final long MS = 1_000_000L;

    @Test
    void theIntervalDoublesWhileBehindUpToTheMaximumAndHalvesBack() {
        FlushPacer p = new FlushPacer(100, 5_000);
        assertThat(p.interval()).isEqualTo(100);
        assertThat(p.update(75 * MS, 100 * MS, false)).as("busy 75 % of the time").isFalse();
        assertThat(p.interval()).isEqualTo(100);
        assertThat(p.update(85 * MS, 100 * MS, false)).as("busy 85 %: behind").isTrue();
        assertThat(p.interval()).isEqualTo(200);
        for (int i = 0; i < 10; i++) {
            p.update(1_000 * MS, 1_000 * MS, false);
        }
        assertThat(p.interval()).as("capped").isEqualTo(5_000);
        p.update(MS, 5_000 * MS, false);
        assertThat(p.interval()).isEqualTo(2_500);
        for (int i = 0; i < 10; i++) {
            p.update(MS, 100 * MS, false);
        }
        assertThat(p.interval()).as("back to the minimum").isEqualTo(100);
    }

    @Test
    void aFullCacheCountsAsBehind() {
        FlushPacer p = new FlushPacer(100, 5_000);
        assertThat(p.update(0, 100 * MS, true)).isTrue();
        assertThat(p.interval()).isEqualTo(200);
    }

    @Test
    void aNewMinimumStartsOver() {
        FlushPacer p = new FlushPacer(100, 5_000);
        p.update(100 * MS, 100 * MS, false);
        FlushPacer q = p.withMin(1_000);
        assertThat(q.interval()).isEqualTo(1_000);
        q.update(0, 1_000 * MS, false);
        assertThat(q.interval()).isEqualTo(1_000);
    }
}
