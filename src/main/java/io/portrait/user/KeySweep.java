package io.portrait.user;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * A resumable pass over every user one task holds in state (the contract's key sweep): work that
 * time or a model change makes necessary, not an event. Progress is kept per <em>key group</em>: a
 * group is done once every user in it was visited, and the set of done groups is what a checkpoint
 * stores ({@link SweepProgress}), so a restore or a rescale resumes with the groups not done (the
 * users of a group interrupted half-way are visited again — sweep work is idempotent).
 *
 * <p>The keys come from the state backend in key-group order (RocksDB sorts by the key-group
 * prefix; the heap backend walks its per-group maps in order: {@code KeySweepTest} checks both). A
 * {@link #refill scan} skips the done groups and takes whole groups until it holds at least {@code
 * batch} users, then the caller visits them a few at a time ({@link #next}), so the backend's key
 * stream is never open while state changes. Skipping costs one key read per user of a done group
 * per scan: about users² ÷ (2 × batch) key reads per sweep, documented with its measurement.
 *
 * <p>No Flink types: the caller hands in the key stream and the key-group function.
 */
public final class KeySweep {
    private final long request;
    private final int firstGroup;
    private final int lastGroup;
    private final BitSet done;
    private final Deque<String> pending = new ArrayDeque<>();
    private int windowFrom = -1;
    private int windowTo = -1;
    private long visited;

    /**
     * @param request what the sweep is for (e.g. the model version that started it)
     * @param firstGroup first key group of this task (inclusive)
     * @param lastGroup last key group of this task (inclusive)
     * @param done key groups already done (restored), or empty
     */
    public KeySweep(long request, int firstGroup, int lastGroup, BitSet done) {
        this.request = request;
        this.firstGroup = firstGroup;
        this.lastGroup = lastGroup;
        this.done = (BitSet) done.clone();
    }

    public long request() {
        return request;
    }

    /** Whether every key group of this task is done. */
    public boolean complete() {
        int next = done.nextClearBit(firstGroup);
        return next > lastGroup;
    }

    /** Users visited by this task since the sweep started (or was restored). */
    public long visited() {
        return visited;
    }

    /** Fraction of this task's key groups done. */
    public double progress() {
        int groups = lastGroup - firstGroup + 1;
        return done.get(firstGroup, lastGroup + 1).cardinality() / (double) groups;
    }

    /** The done groups (this task's and any restored), for the checkpoint. */
    public BitSet done() {
        return (BitSet) done.clone();
    }

    /** Whether the caller must {@link #refill} before {@link #next} returns anything. */
    public boolean needsKeys() {
        return pending.isEmpty() && !complete();
    }

    /**
     * Reads the next window of whole key groups from {@code keys} (every user key of this task, in
     * key-group order): skips the done groups, takes the first group not done and the groups after
     * it until at least {@code batch} users are held. A stream that ends marks every group up to
     * the last one done.
     */
    public void refill(Iterator<String> keys, ToIntFunction<String> keyGroup, int batch) {
        finishWindow();
        int from = -1;
        int current = -1;
        while (keys.hasNext()) {
            String key = keys.next();
            int g = keyGroup.applyAsInt(key);
            if (g < firstGroup || g > lastGroup || done.get(g)) {
                continue;
            }
            if (g < current) {
                throw new IllegalStateException(
                        "the state backend's keys are not in key-group order (group "
                                + g
                                + " after "
                                + current
                                + "): the key sweep cannot resume by key group");
            }
            if (from < 0) {
                from = g;
            } else if (g != current && pending.size() >= batch) {
                // Whole groups only: this group starts the next window. The groups not done
                // before it hold no users (the keys come in key-group order).
                windowFrom = done.nextClearBit(firstGroup);
                windowTo = g - 1;
                return;
            }
            current = g;
            pending.add(key);
        }
        // The keys ended: every group not done up to the end of the range is empty or held now.
        windowFrom = done.nextClearBit(firstGroup);
        windowTo = lastGroup;
        if (pending.isEmpty()) {
            finishWindow();
        }
    }

    /** Up to {@code max} users to visit now; the window's groups are done when it runs dry. */
    public void next(int max, List<String> into) {
        for (int i = 0; i < max && !pending.isEmpty(); i++) {
            into.add(pending.poll());
            visited++;
        }
        if (pending.isEmpty()) {
            finishWindow();
        }
    }

    private void finishWindow() {
        if (windowFrom >= 0 && pending.isEmpty()) {
            // Groups in the window without users (and done ones) are done too.
            done.set(windowFrom, windowTo + 1);
        }
        windowFrom = -1;
        windowTo = -1;
    }
}
