package io.portrait.user;

/**
 * The flush interval of the user operator. While the operator keeps up, flushes come every {@code
 * min} (so an event reaches Redis within about twice that); while it is <em>behind</em> the
 * interval doubles, up to {@code max}, so that under backlog a busy user's changes coalesce into
 * one document. "Behind" is measured, not guessed: the operator was busy (processing records or
 * flushing) for more than 80 % of the wall-clock time since the previous flush, or the cache of
 * changed users filled up before the interval ended. One interval of keeping up halves it again.
 */
public final class FlushPacer {
    private final long minMillis;
    private final long maxMillis;
    private long interval;

    public FlushPacer(long minMillis, long maxMillis) {
        this.minMillis = Math.max(1, minMillis);
        this.maxMillis = Math.max(this.minMillis, maxMillis);
        this.interval = this.minMillis;
    }

    /** The interval in force, in milliseconds. */
    public long interval() {
        return interval;
    }

    /**
     * Adapts the interval after a flush.
     *
     * @param busyNanos time spent on records and flushes since the previous flush
     * @param elapsedNanos wall-clock time since the previous flush
     * @param full the cache of changed users was full
     * @return whether the operator counts as behind
     */
    public boolean update(long busyNanos, long elapsedNanos, boolean full) {
        boolean behind = full || (elapsedNanos > 0 && busyNanos * 5 > elapsedNanos * 4);
        if (behind) {
            interval = Math.min(maxMillis, interval * 2);
        } else {
            interval = Math.max(minMillis, interval / 2);
        }
        return behind;
    }

    /** A new minimum (runtime setting): the interval starts over from it. */
    public FlushPacer withMin(long newMin) {
        return new FlushPacer(newMin, maxMillis);
    }
}
