package io.portrait.profile;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The coalescing clock of one assembler subtask: users written within the last interval and the
 * processing time until which they wait. It lives on the heap and is not checkpointed — after a
 * restore a user's next change is written at once, at most one extra write per user, which the
 * versioned upsert in Redis absorbs. Keeping it out of keyed state saves a state write, a timer and
 * the timer's firing for every leading-edge write, the common case when a user's events are further
 * apart than the interval. Entries are dropped once their time has passed; the map holds at most
 * the users written in one interval.
 */
final class RecentWrites {
    private final LinkedHashMap<String, Long> until = new LinkedHashMap<>();

    /** The processing time before which {@code user} waits, or 0 if it may be written now. */
    long until(String user, long now) {
        expire(now);
        Long t = until.get(user);
        return t == null || t <= now ? 0 : t;
    }

    /** {@code user} was written; the next write waits until {@code until}. */
    void wrote(String user, long until, long now) {
        expire(now);
        this.until.remove(user);
        this.until.put(user, until);
    }

    void forget(String user) {
        until.remove(user);
    }

    int size() {
        return until.size();
    }

    /** Drops entries from the oldest while they have expired (insertion order ≈ time order). */
    private void expire(long now) {
        Iterator<Map.Entry<String, Long>> it = until.entrySet().iterator();
        while (it.hasNext() && it.next().getValue() <= now) {
            it.remove();
        }
    }
}
