package io.portrait.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.testing.Harnesses;
import io.portrait.testing.TestEvents;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The key sweep: whole key groups per window, resumable from the done groups, in order. */
class KeySweepTest {
    static final int MAX = 128;

    static int group(String key) {
        return KeyGroupRangeAssignment.assignToKeyGroup(key, MAX);
    }

    /** Keys as a backend hands them out: sorted by key group. */
    static List<String> keys(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> "user-" + i)
                .sorted(Comparator.comparingInt(KeySweepTest::group))
                .toList();
    }

    static List<String> drain(KeySweep sweep, List<String> keys, int batch, int perStep) {
        List<String> visited = new ArrayList<>();
        int guard = 0;
        while (!sweep.complete()) {
            if (sweep.needsKeys()) {
                sweep.refill(keys.iterator(), KeySweepTest::group, batch);
            }
            sweep.next(perStep, visited);
            assertThat(++guard).as("the sweep ends").isLessThan(100_000);
        }
        return visited;
    }

    @Test
    void everyUserIsVisitedOnceInWindowsOfWholeKeyGroups() {
        List<String> keys = keys(1_000);
        KeySweep sweep = new KeySweep(7, 0, MAX - 1, new BitSet());
        assertThat(sweep.complete()).isFalse();
        List<String> visited = drain(sweep, keys, 50, 7);
        assertThat(visited).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(sweep.visited()).isEqualTo(1_000);
        assertThat(sweep.progress()).isEqualTo(1.0);
        assertThat(sweep.done().cardinality()).isEqualTo(MAX);
    }

    @Test
    void aWindowHoldsWholeGroupsAndItsGroupsAreDoneOnlyWhenItRunsDry() {
        List<String> keys = keys(1_000);
        KeySweep sweep = new KeySweep(7, 0, MAX - 1, new BitSet());
        sweep.refill(keys.iterator(), KeySweepTest::group, 20);
        List<String> first = new ArrayList<>();
        sweep.next(5, first);
        assertThat(sweep.done().isEmpty()).as("window not finished").isTrue();
        sweep.next(1_000, first);
        BitSet done = sweep.done();
        int lastDone = done.length() - 1;
        // Every key of a done group was handed out, and no key of a group not done.
        for (String k : keys) {
            assertThat(first.contains(k)).as(k).isEqualTo(group(k) <= lastDone);
        }
        assertThat(first.size()).isGreaterThanOrEqualTo(20);
    }

    @Test
    void aRestoredSweepSkipsTheDoneGroupsAndASweepOfAnotherRangeIgnoresTheirKeys() {
        List<String> keys = keys(1_000);
        KeySweep first = new KeySweep(7, 0, MAX - 1, new BitSet());
        first.refill(keys.iterator(), KeySweepTest::group, 300);
        List<String> before = new ArrayList<>();
        first.next(10_000, before);
        BitSet done = first.done();
        assertThat(done.cardinality()).isBetween(1, MAX - 1);

        // Restored (e.g. after a rescale) into two tasks with half the key groups each.
        KeySweep low = new KeySweep(7, 0, MAX / 2 - 1, done);
        KeySweep high = new KeySweep(7, MAX / 2, MAX - 1, done);
        List<String> after = new ArrayList<>(drain(low, keys, 100, 33));
        after.addAll(drain(high, keys, 100, 33));
        assertThat(after).doesNotContainAnyElementsOf(before);
        List<String> all = new ArrayList<>(before);
        all.addAll(after);
        assertThat(all).containsExactlyInAnyOrderElementsOf(keys);
    }

    @Test
    void anEmptyTaskCompletesAtItsFirstScan() {
        KeySweep sweep = new KeySweep(1, 0, MAX - 1, new BitSet());
        sweep.refill(List.<String>of().iterator(), KeySweepTest::group, 10);
        assertThat(sweep.complete()).isTrue();
    }

    @Test
    void keysOutOfKeyGroupOrderAreRefusedRatherThanSkippedSilently() {
        List<String> keys = new ArrayList<>(keys(200));
        java.util.Collections.reverse(keys);
        KeySweep sweep = new KeySweep(1, 0, MAX - 1, new BitSet());
        assertThatThrownBy(() -> sweep.refill(keys.iterator(), KeySweepTest::group, 1_000))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("key-group order");
    }

    /** The order the sweep relies on, from both state backends the job runs on. */
    @ParameterizedTest
    @ValueSource(strings = {"rocksdb", "heap"})
    void bothStateBackendsHandOutTheUsersInKeyGroupOrder(String name) throws Exception {
        StateBackend backend = name.equals("heap") ? Harnesses.heap() : Harnesses.rocksDb();
        PortraitConfig config =
                PortraitConfig.defaults()
                        .with(
                                Map.of(
                                        "portrait.predict.enabled", "false",
                                        "portrait.profile.epoch", "100"));
        try (var h = Harnesses.user(config, backend, null)) {
            for (int i = 0; i < 500; i++) {
                Event e =
                        TestEvents.event(
                                "u" + i,
                                "e" + i,
                                io.portrait.event.EventType.VIEW,
                                1_764_000_000_000L + i);
                h.processElement1(UserInput.of(e), e.ts());
            }
            h.prepareSnapshotPreBarrier(0);
            @SuppressWarnings("unchecked")
            var b =
                    (org.apache.flink.runtime.state.KeyedStateBackend<String>)
                            (org.apache.flink.runtime.state.KeyedStateBackend<?>)
                                    h.getOperator().getKeyedStateBackend();
            List<Integer> groups;
            try (var s = b.getKeys("user", VoidNamespace.INSTANCE)) {
                groups = s.map(KeySweepTest::group).toList();
            }
            assertThat(groups).hasSize(500).isSorted();
        }
    }

    static SweepProgress progress(long request, int[] done, long baseline, long lastStart) {
        SweepProgress p = new SweepProgress();
        p.request = request;
        p.requestModel = request == 0 ? null : "model-" + request;
        BitSet b = new BitSet();
        for (int g : done) {
            b.set(g);
        }
        p.done = b.toByteArray();
        p.baselineVersion = baseline;
        p.baseline = baseline == 0 ? null : "model-" + baseline;
        p.lastStart = lastStart;
        return p;
    }

    @Test
    void theProgressOfFormerTasksMergesIntoOneOnRestore() {
        SweepProgress merged =
                UserOperator.mergeSweeps(
                        List.of(
                                progress(5, new int[] {0, 1, 2}, 3, 100),
                                progress(5, new int[] {64, 65}, 3, 120),
                                progress(4, new int[] {7}, 2, 90),
                                progress(0, new int[] {}, 0, 10)));
        assertThat(merged.request).as("the newest running request").isEqualTo(5);
        assertThat(merged.requestModel).isEqualTo("model-5");
        assertThat(BitSet.valueOf(merged.done).stream().toArray())
                .as("its done groups, not the older request's")
                .containsExactly(0, 1, 2, 64, 65);
        assertThat(merged.baselineVersion).as("the oldest baseline").isEqualTo(2);
        assertThat(merged.baseline).isEqualTo("model-2");
        assertThat(merged.lastStart).isEqualTo(120);
        SweepProgress none = UserOperator.mergeSweeps(List.of());
        assertThat(none.request).isZero();
        assertThat(none.baseline).isNull();
    }
}
