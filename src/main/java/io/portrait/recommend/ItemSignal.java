package io.portrait.recommend;

/**
 * A message between the recommendation stages, keyed by {@link #item}: an item occurrence, one half
 * of a co-occurrence pair, or a user's lookup of an item's neighbours (docs/recommendations.md). A
 * Flink POJO.
 */
public class ItemSignal {
    public static final byte OCCURRENCE = 0;
    public static final byte PAIR = 1;
    public static final byte LOOKUP = 2;

    public byte kind;

    /** The routing key: the item this message is about. */
    public String item;

    /** PAIR: the item that co-occurred with {@link #item}. */
    public String other;

    /** LOOKUP: the user who interacted with {@link #item}. */
    public String userId;

    /** OCCURRENCE, LOOKUP: the event's weight; PAIR: the co-occurrence weight. */
    public double weight;

    /**
     * Set by ItemCounts: OCCURRENCE — the item's decayed count after it; PAIR — the decayed count
     * of {@link #other} (the message is re-keyed to the other side on the way).
     */
    public double count;

    /** Event time. */
    public long ts;

    /** LOOKUP: the event's type (wire name), for the reason shown to the user. */
    public String action;

    public ItemSignal() {}

    static ItemSignal occurrence(String item, double weight, long ts) {
        ItemSignal s = new ItemSignal();
        s.kind = OCCURRENCE;
        s.item = item;
        s.weight = weight;
        s.ts = ts;
        return s;
    }

    static ItemSignal pair(String item, String other, double weight, long ts) {
        ItemSignal s = new ItemSignal();
        s.kind = PAIR;
        s.item = item;
        s.other = other;
        s.weight = weight;
        s.ts = ts;
        return s;
    }

    static ItemSignal lookup(String item, String userId, double weight, long ts, String action) {
        ItemSignal s = new ItemSignal();
        s.kind = LOOKUP;
        s.item = item;
        s.userId = userId;
        s.weight = weight;
        s.ts = ts;
        s.action = action;
        return s;
    }

    public String getItem() {
        return item;
    }
}
