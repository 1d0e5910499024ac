package io.portrait.recommend;

/**
 * The arithmetic of streaming item-item collaborative filtering (docs/recommendations.md): weights
 * decay exponentially in event time, and similarity is the cosine of two items' co-occurrence over
 * the square root of their occurrence counts, which damps popular items: an item that co-occurs
 * with everything because everyone sees it scores low against any one item.
 */
public final class Similarity {
    private Similarity() {}

    /** {@code value} recorded at {@code from}, decayed to {@code to} (never grows going back). */
    public static double decay(double value, long from, long to, long halfLifeMillis) {
        if (to <= from || value == 0) {
            return value;
        }
        return value * Math.pow(0.5, (to - from) / (double) halfLifeMillis);
    }

    /** Cosine similarity from co-occurrence and the two occurrence counts; 0 when undefined. */
    public static double cosine(double coOccurrence, double countA, double countB) {
        if (coOccurrence <= 0 || countA <= 0 || countB <= 0) {
            return 0;
        }
        return Math.min(1.0, coOccurrence / Math.sqrt(countA * countB));
    }

    /** The weight of a pair seen by one user: the weaker of the two interactions. */
    public static double pairWeight(double a, double b) {
        return Math.min(a, b);
    }

    /**
     * Moves a key's single retention timer to the day after {@code lastTs + ttl}: deletes the one
     * at {@code current} (0: none) and registers the new one if the day changed. Returns the timer
     * now registered, for the caller's state.
     */
    public static long rearm(
            org.apache.flink.streaming.api.TimerService timers,
            long current,
            long lastTs,
            long ttl) {
        long next = retentionTimer(lastTs, ttl);
        if (next != current) {
            if (current != 0) {
                timers.deleteEventTimeTimer(current);
            }
            timers.registerEventTimeTimer(next);
        }
        return next;
    }

    /** Rounds a retention timer up to whole days, so a user or item has one timer per day. */
    public static long retentionTimer(long lastTs, long ttlMillis) {
        long day = 86_400_000L;
        long t = lastTs + ttlMillis;
        long rem = Math.floorMod(t, day);
        return rem == 0 ? t : t - rem + day;
    }
}
