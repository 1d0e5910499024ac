package io.portrait.predict;

/**
 * Encoding v1 of an event for the sequence model (docs/models/next-action.md lists it): a one-hot
 * event type, scaled log amount, scaled log gap since the user's previous event, a first-event
 * flag, the local hour on the unit circle, a one-hot category bucket, and whether the item and the
 * category repeat the previous event's. Training, evaluation and the job all call {@link #encode},
 * so the model sees the same numbers everywhere.
 */
public final class Encoding {
    /** Written into the model's metadata; a model with another encoding is refused. */
    public static final String VERSION = "v1";

    /** Output classes of the next-action head: every event type slot. */
    public static final int CLASSES = io.portrait.event.EventType.SLOTS;

    public static final int CATEGORY_BUCKETS = 8;

    static final int TYPE = 0;
    static final int AMOUNT = CLASSES;
    static final int GAP = AMOUNT + 1;
    static final int FIRST = GAP + 1;
    static final int HOUR_SIN = FIRST + 1;
    static final int HOUR_COS = HOUR_SIN + 1;
    static final int CATEGORY = HOUR_COS + 1;
    static final int SAME_ITEM = CATEGORY + CATEGORY_BUCKETS;
    static final int SAME_CATEGORY = SAME_ITEM + 1;

    /** Input width. */
    public static final int FEATURES = SAME_CATEGORY + 1;

    private static final int MINUTES = 1440;
    private static final float[] SIN = new float[MINUTES];
    private static final float[] COS = new float[MINUTES];

    static {
        for (int m = 0; m < MINUTES; m++) {
            double angle = 2 * Math.PI * m / MINUTES;
            SIN[m] = (float) Math.sin(angle);
            COS[m] = (float) Math.cos(angle);
        }
    }

    private Encoding() {}

    /**
     * Writes the features of {@code step} into {@code out[offset .. offset + FEATURES)}.
     *
     * @param previous the user's previous step, or null for the first one
     */
    public static void encode(StepInput step, StepInput previous, float[] out, int offset) {
        java.util.Arrays.fill(out, offset, offset + FEATURES, 0f);
        out[offset + TYPE + step.slot()] = 1f;
        out[offset + AMOUNT] = (float) (Math.log1p(step.amountMinor() / 100.0) / 5.0);
        if (previous == null) {
            out[offset + FIRST] = 1f;
        } else {
            double gapSeconds = Math.max(0L, step.ts() - previous.ts()) / 1000.0;
            out[offset + GAP] = (float) (Math.log1p(gapSeconds) / 10.0);
            if (step.itemHash() != 0 && step.itemHash() == previous.itemHash()) {
                out[offset + SAME_ITEM] = 1f;
            }
            if (step.categoryHash() != 0 && step.categoryHash() == previous.categoryHash()) {
                out[offset + SAME_CATEGORY] = 1f;
            }
        }
        int minute = Math.floorMod(step.minuteOfDay(), MINUTES);
        out[offset + HOUR_SIN] = SIN[minute];
        out[offset + HOUR_COS] = COS[minute];
        if (step.categoryBucket() >= 0) {
            out[offset + CATEGORY + step.categoryBucket()] = 1f;
        }
    }

    public static float[] encode(StepInput step, StepInput previous) {
        float[] out = new float[FEATURES];
        encode(step, previous, out, 0);
        return out;
    }
}
