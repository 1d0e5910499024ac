package io.portrait.dedup;

import io.portrait.common.Wire;

/**
 * A user's id hashes (event ids, order ids) remembered for an event-time horizon past the user's
 * newest event (shared/ARCHITECTURE.md "Time, lateness, ordering"): an id is forgotten once the
 * user has an event more than the horizon after it, or once more than {@code cap} newer ids are
 * kept. A repeat older than that counts again (documented). Kept in the one user state value; a
 * lookup is a scan of at most {@code cap} longs, which costs less than one RocksDB access.
 */
public final class SeenIds {
    private long[] hashes = new long[0];
    private long[] times = new long[0];
    private int size;
    private long newest = Long.MIN_VALUE;

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The newest event time seen, or {@link Long#MIN_VALUE}. */
    public long newest() {
        return newest;
    }

    /**
     * Remembers {@code hash} seen at {@code ts}; returns false if it was already remembered (a
     * repeat). Ids past the horizon of the newest time go first; beyond {@code cap} the oldest go.
     */
    public boolean add(long hash, long ts, long horizonMillis, int cap) {
        long now = Math.max(newest, ts);
        for (int i = 0; i < size; i++) {
            if (hashes[i] == hash && !expired(times[i], now, horizonMillis)) {
                if (ts > times[i]) {
                    times[i] = ts;
                }
                newest = now;
                return false;
            }
        }
        newest = now;
        evict(newest, horizonMillis);
        if (size == cap) {
            removeOldest();
        }
        if (size == hashes.length) {
            int grown = Math.min(Math.max(4, size * 2), Math.max(cap, 4));
            hashes = java.util.Arrays.copyOf(hashes, grown);
            times = java.util.Arrays.copyOf(times, grown);
        }
        hashes[size] = hash;
        times[size] = ts;
        size++;
        return true;
    }

    private static boolean expired(long ts, long newest, long horizonMillis) {
        return newest != Long.MIN_VALUE && ts <= newest - horizonMillis;
    }

    /** Forgets every id at or before {@code now - horizon}. */
    public void evict(long now, long horizonMillis) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (!expired(times[i], now, horizonMillis)) {
                hashes[kept] = hashes[i];
                times[kept] = times[i];
                kept++;
            }
        }
        size = kept;
    }

    private void removeOldest() {
        int oldest = 0;
        for (int i = 1; i < size; i++) {
            if (times[i] < times[oldest]) {
                oldest = i;
            }
        }
        size--;
        hashes[oldest] = hashes[size];
        times[oldest] = times[size];
    }

    public void clear() {
        hashes = new long[0];
        times = new long[0];
        size = 0;
        newest = Long.MIN_VALUE;
    }

    /** Times are written as deltas below the newest, so a day of ids costs ~11 bytes each. */
    public void write(Wire.Out out) {
        out.uvar(size);
        if (size == 0) {
            return;
        }
        out.svar(newest);
        for (int i = 0; i < size; i++) {
            out.fixed64(hashes[i]);
            out.uvar(newest - times[i]);
        }
    }

    public static SeenIds read(Wire.In in) {
        SeenIds s = new SeenIds();
        int n = in.uvarInt();
        if (n == 0) {
            return s;
        }
        s.newest = in.svar();
        s.hashes = new long[n];
        s.times = new long[n];
        for (int i = 0; i < n; i++) {
            s.hashes[i] = in.fixed64();
            s.times[i] = s.newest - in.uvar();
        }
        s.size = n;
        return s;
    }

    /** Equal content, for codec tests. */
    public boolean sameAs(SeenIds o) {
        if (size != o.size || (size > 0 && newest != o.newest)) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (hashes[i] != o.hashes[i] || times[i] != o.times[i]) {
                return false;
            }
        }
        return true;
    }
}
