package io.portrait.profile.feature;

import com.tdunning.math.stats.MergingDigest;
import java.nio.ByteBuffer;

/**
 * Descriptive statistics of a user's order values: count, mean and standard deviation (Welford),
 * and quantiles from a t-digest kept as bytes, so no generic type reaches Flink's serializers.
 * Lines of one order are summed while the order is open; an order closes when a line of another
 * order arrives. Readers see the open order too ({@link #withOpenOrderClosed()}), so no timer is
 * needed and the document never lags the events.
 */
public class OrderValues {
    /** t-digest compression: ≤ ~2·30 centroids, a few hundred bytes at most. */
    public static final double COMPRESSION = 30;

    public long count;
    public double mean;
    public double m2;
    public byte[] digest = new byte[0];

    public boolean open;
    public long openOrder;
    public long openMinor;
    public long openTs;

    public OrderValues() {}

    /** Adds a purchase line; {@code orderHash} identifies its order. */
    public void addLine(long orderHash, long amountMinor, long ts) {
        if (open && orderHash == openOrder) {
            openMinor += amountMinor;
            return;
        }
        close();
        open = true;
        openOrder = orderHash;
        openMinor = amountMinor;
        openTs = ts;
    }

    /** A copy in which the open order is recorded: what a reader should see. */
    public OrderValues withOpenOrderClosed() {
        OrderValues c = copy();
        c.close();
        return c;
    }

    /** Adds a whole order at once (a purchase without order id is its own order). */
    public void addOrder(long amountMinor) {
        close();
        record(amountMinor);
    }

    public void close() {
        if (open) {
            open = false;
            record(openMinor);
        }
    }

    private void record(long minor) {
        count++;
        double[] r = Welford.add(count, mean, m2, minor);
        mean = r[0];
        m2 = r[1];
        MergingDigest d = digest();
        d.add(minor);
        ByteBuffer buf = ByteBuffer.allocate(d.smallByteSize());
        d.asSmallBytes(buf);
        digest = buf.array();
    }

    private MergingDigest digest() {
        return digest.length == 0
                ? new MergingDigest(COMPRESSION)
                : MergingDigest.fromBytes(ByteBuffer.wrap(digest));
    }

    /** The q-quantile of closed order values in minor units, NaN without orders. */
    public double quantile(double q) {
        return count == 0 ? Double.NaN : digest().quantile(q);
    }

    /** Several quantiles from one decoding of the digest (NaN each without orders). */
    public double[] quantiles(double... qs) {
        double[] out = new double[qs.length];
        if (count == 0) {
            java.util.Arrays.fill(out, Double.NaN);
            return out;
        }
        MergingDigest d = digest();
        for (int i = 0; i < qs.length; i++) {
            out[i] = d.quantile(qs[i]);
        }
        return out;
    }

    public double std() {
        return Welford.std(count, m2);
    }

    public OrderValues copy() {
        OrderValues c = new OrderValues();
        c.count = count;
        c.mean = mean;
        c.m2 = m2;
        c.digest = digest.clone();
        c.open = open;
        c.openOrder = openOrder;
        c.openMinor = openMinor;
        c.openTs = openTs;
        return c;
    }
}
