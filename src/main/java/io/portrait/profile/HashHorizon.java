package io.portrait.profile;

import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;

/**
 * A set of 64-bit id hashes remembered for an event-time horizon, in keyed {@link MapState} (hash →
 * event time). Lookups are one state access; eviction runs from event-time timers that the owning
 * function registers at {@link #cleanupTimer} — rounded up to a cleanup interval, so a user has at
 * most one timer per interval. Used for event-id de-duplication and distinct orders.
 */
public final class HashHorizon {

    private final MapState<Long, Long> seen;

    public HashHorizon(MapState<Long, Long> seen) {
        this.seen = seen;
    }

    /** Remembers the hash; returns false if it was already there (a repeat). */
    public boolean add(long hash, long ts) throws Exception {
        Long previous = seen.get(hash);
        if (previous != null) {
            if (ts > previous) {
                seen.put(hash, ts);
            }
            return false;
        }
        seen.put(hash, ts);
        return true;
    }

    /** The timer (event time) at which an id seen at {@code ts} may be forgotten. */
    public static long cleanupTimer(long ts, long horizonMillis, long intervalMillis) {
        long expiry = saturatedAdd(ts, horizonMillis);
        long rem = Math.floorMod(expiry, intervalMillis);
        return rem == 0 ? expiry : saturatedAdd(expiry - rem, intervalMillis);
    }

    /**
     * Forgets every id with {@code ts + horizon <= timerTs}.
     *
     * @return the smallest event time still remembered, or {@link Long#MAX_VALUE} if none
     */
    public long evict(long timerTs, long horizonMillis) throws Exception {
        long minRemaining = Long.MAX_VALUE;
        Iterator<Map.Entry<Long, Long>> it = seen.iterator();
        while (it.hasNext()) {
            long ts = it.next().getValue();
            if (saturatedAdd(ts, horizonMillis) <= timerTs) {
                it.remove();
            } else {
                minRemaining = Math.min(minRemaining, ts);
            }
        }
        if (minRemaining == Long.MAX_VALUE) {
            // Iterator removal can leave an empty map behind on the heap backend.
            seen.clear();
        }
        return minRemaining;
    }

    /** The distinct event times remembered (to find the timers registered for them). */
    public java.util.Set<Long> times() throws Exception {
        java.util.Set<Long> out = new java.util.HashSet<>();
        for (Long ts : seen.values()) {
            out.add(ts);
        }
        return out;
    }

    public void clear() {
        seen.clear();
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
