package io.portrait.profile.feature;

/**
 * Event counts, purchase counts and spend over 7, 30 and 90 days as exponentially decayed sums with
 * time constants equal to the windows (for a steady rate r the sum is r·W, the count of the
 * window). One update per event, no raw events kept; an out-of-order event adds its decayed weight
 * e^(−(ref−ts)/W), so the result does not depend on arrival order.
 */
public class DecayedWindows {
    public static final long DAY = 86_400_000L;
    public static final long[] WINDOWS = {7 * DAY, 30 * DAY, 90 * DAY};
    public static final String[] NAMES = {"7d", "30d", "90d"};

    public double[] events = new double[3];
    public double[] purchases = new double[3];
    public double[] spendMinor = new double[3];

    /** Event time the sums are expressed at. */
    public long refTs = Long.MIN_VALUE;

    public DecayedWindows() {}

    public void add(long ts, boolean purchase, long amountMinor) {
        if (refTs == Long.MIN_VALUE) {
            refTs = ts;
        }
        if (ts > refTs) {
            for (int i = 0; i < 3; i++) {
                double f = Decay.exp(ts - refTs, WINDOWS[i]);
                events[i] *= f;
                purchases[i] *= f;
                spendMinor[i] *= f;
            }
            refTs = ts;
        }
        for (int i = 0; i < 3; i++) {
            double w = Decay.exp(refTs - ts, WINDOWS[i]);
            events[i] += w;
            if (purchase) {
                purchases[i] += w;
                spendMinor[i] += w * amountMinor;
            }
        }
    }

    /** A sum as of event time {@code asOf} (no earlier than the last update). */
    public double at(double[] sums, int window, long asOf) {
        return refTs == Long.MIN_VALUE
                ? 0.0
                : sums[window] * Decay.exp(asOf - refTs, WINDOWS[window]);
    }

    public DecayedWindows copy() {
        DecayedWindows c = new DecayedWindows();
        c.events = events.clone();
        c.purchases = purchases.clone();
        c.spendMinor = spendMinor.clone();
        c.refTs = refTs;
        return c;
    }
}
