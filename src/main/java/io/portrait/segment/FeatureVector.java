package io.portrait.segment;

import io.portrait.profile.CoreFeatures;

/**
 * The user's feature vector for segmentation, version {@value #VERSION} (docs/segments.md). Raw
 * values; the published model standardises them with its frozen scaler. Every component is a log1p
 * or a bounded number, so the scale of each stays modest.
 */
public final class FeatureVector {
    public static final int VERSION = 1;
    public static final String[] NAMES = {
        "log_orders",
        "log_monetary",
        "log_recency_days",
        "log_aov",
        "category_entropy",
        "log_events"
    };
    public static final int D = NAMES.length;

    /** Recency of a user who never purchased: one year. */
    public static final double NO_PURCHASE_DAYS = 365;

    private FeatureVector() {}

    public static double[] of(CoreFeatures f, double minorPerUnit) {
        double monetary = Math.max(0, f.purchaseMinor - f.refundMinor) / minorPerUnit;
        double aov = f.orders == 0 ? 0 : f.purchaseMinor / minorPerUnit / f.orders;
        double recency =
                f.lastPurchaseAt == null
                        ? NO_PURCHASE_DAYS
                        : Math.min(
                                NO_PURCHASE_DAYS,
                                Math.max(0, f.lastSeen - f.lastPurchaseAt) / 86_400_000d);
        return of(f.orders, monetary, recency, aov, entropy(f.interests.scores), f.total);
    }

    /**
     * The vector from its inputs in original units (days, base currency); the read API rebuilds it
     * from a profile document this way.
     */
    public static double[] of(
            double orders,
            double monetary,
            double recencyDays,
            double aov,
            double entropy,
            double total) {
        return new double[] {
            Math.log1p(orders),
            Math.log1p(monetary),
            Math.log1p(recencyDays),
            Math.log1p(aov),
            entropy,
            Math.log1p(total)
        };
    }

    /** Shannon entropy (nats) of the interest shares; 0 without interests. */
    public static double entropy(double[] scores) {
        double total = 0;
        for (double s : scores) {
            total += s;
        }
        double h = 0;
        for (double s : scores) {
            if (s > 0 && total > 0) {
                double p = s / total;
                h -= p * Math.log(p);
            }
        }
        return h;
    }
}
