package io.portrait.quality;

/**
 * Keyed state of the data-quality stage: a ring of the last 32 action times, the current view
 * streak, the last few event ids (for alert evidence) and alert suppression. About 350 bytes.
 */
public class BotState {
    public static final int RING = 32;
    public static final int EVIDENCE = 5;

    public long[] actionTs = new long[RING];
    public int next;
    public int size;
    public long lastOrderHash;
    public long lastOrderTs = Long.MIN_VALUE;
    public int viewStreak;
    public String[] recentIds = new String[EVIDENCE];
    public int nextId;
    public long suppressedUntil = Long.MIN_VALUE;

    public BotState() {}

    void pushAction(long ts) {
        actionTs[next] = ts;
        next = (next + 1) % RING;
        size = Math.min(RING, size + 1);
    }

    /** The k-th latest action time (k = 1 is the latest). */
    public long action(int k) {
        return actionTs[Math.floorMod(next - k, RING)];
    }

    void pushId(String id) {
        recentIds[nextId] = id;
        nextId = (nextId + 1) % EVIDENCE;
    }

    String[] evidence() {
        return java.util.Arrays.stream(recentIds)
                .filter(java.util.Objects::nonNull)
                .toArray(String[]::new);
    }
}
