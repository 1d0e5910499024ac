package io.portrait.profile;

import io.portrait.anomaly.Enriched;
import io.portrait.common.Hashing;
import io.portrait.config.PortraitConfig;
import io.portrait.dedup.SeenIds;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.feature.Demographics;
import java.time.ZoneId;

/**
 * The profile core as a module: applies one accepted event of a user to its {@link CoreFeatures}
 * (counts, RFM in exact minor units, decayed windows, interests, rhythm and sessions, order values,
 * demographics). Late events are applied too and counted. Bot-flagged events count but stay out of
 * interests and propensity. Distinct orders are counted with the user's order-id set, remembered
 * for the de-duplication horizon. Plain Java: the user operator calls it.
 */
public final class CoreModule {

    /** What the module reports besides the features (metrics of the caller). */
    public interface Counters {
        /** Counts nothing (replays, tests, benchmarks). */
        Counters NONE =
                new Counters() {
                    @Override
                    public void late() {}

                    @Override
                    public void rejected(String reason) {}
                };

        void late();

        /** A demographic value that failed validation: invalid_age, invalid_gender, … */
        void rejected(String reason);
    }

    /** Keep at most this many order ids per user within the horizon. */
    public static final int ORDER_IDS = 512;

    private final PortraitConfig.Features features;
    private final long orderHorizonMillis;

    public CoreModule(PortraitConfig config) {
        this.features = config.features();
        this.orderHorizonMillis = config.dedupHorizon().toMillis();
    }

    /** Interest weight of an event type: view < click < cart < purchase. */
    public static double interestWeight(EventType t) {
        return switch (t) {
            case VIEW -> 1;
            case CLICK, LIKE -> 2;
            case SHARE -> 3;
            case ADD_TO_CART -> 4;
            case PURCHASE -> 8;
            default -> 0;
        };
    }

    /** The event with the user's order statistics from before it (for the anomaly detectors). */
    public static Enriched enrich(Event e, CoreFeatures before) {
        if (e.type() != EventType.PURCHASE || before.orderValues.count == 0) {
            return new Enriched(e, before.orders, Double.NaN, Double.NaN);
        }
        double[] q = before.orderValues.quantiles(0.25, 0.5, 0.75);
        return new Enriched(e, before.orders, q[1], q[2] - q[0]);
    }

    /**
     * Applies an accepted event (not an erase) to {@code f}.
     *
     * @param watermark the operator's current watermark, to count late events
     */
    public void apply(
            CoreFeatures f, SeenIds orderIds, Event e, long watermark, Counters counters) {
        long previousLastSeen = f.lastSeen;
        f.erased = false;
        f.total++;
        f.typeCounts[e.type().slot()]++;
        f.firstSeen = Math.min(f.firstSeen, e.ts());
        f.lastSeen = Math.max(f.lastSeen, e.ts());
        if (e.ts() < watermark) {
            f.late++;
            counters.late();
        }
        boolean behavioural = !e.botSuspected();
        if (!behavioural) {
            f.botSuspected++;
        }
        f.botScore = 0.9 * f.botScore + (behavioural ? 0.0 : 0.1);

        if (e.tz() != null) {
            f.activity.tz = e.tz();
        }
        ZoneId zone = f.activity.tz != null ? ZoneId.of(f.activity.tz) : features.defaultZone();
        f.activity.add(
                e.type(),
                e.ts(),
                previousLastSeen,
                zone,
                e.device(),
                e.country(),
                features.sessionGap().toMillis(),
                behavioural);
        f.windows.add(e.ts(), e.type() == EventType.PURCHASE, e.amountMinorOrZero());
        double weight = interestWeight(e.type());
        if (behavioural && weight > 0 && e.category() != null) {
            f.interests.add(
                    e.category(),
                    weight,
                    e.ts(),
                    features.interestHalfLife().toMillis(),
                    features.interestCapacity());
        }
        switch (e.type()) {
            case PURCHASE -> purchase(f, orderIds, e);
            case REFUND -> f.refundMinor += e.amountMinorOrZero();
            case PROFILE_UPDATE -> demographics(f, e, counters);
            default -> {}
        }
    }

    private void purchase(CoreFeatures f, SeenIds orderIds, Event e) {
        f.purchaseMinor += e.amountMinorOrZero();
        f.lastPurchaseAt = f.lastPurchaseAt == null ? e.ts() : Math.max(f.lastPurchaseAt, e.ts());
        if (e.orderId() == null || e.orderId().isEmpty()) {
            f.orders++;
            f.orderValues.addOrder(e.amountMinorOrZero());
            return;
        }
        long hash = Hashing.hash64(e.orderId());
        if (orderIds.add(hash, e.ts(), orderHorizonMillis, ORDER_IDS)) {
            f.orders++;
        }
        f.orderValues.addLine(hash, e.amountMinorOrZero(), e.ts());
    }

    private static void demographics(CoreFeatures f, Event e, Counters counters) {
        Demographics d = f.demographics;
        if (e.age() != null) {
            String band = Demographics.ageBand(e.age());
            if (band == null) {
                counters.rejected("invalid_age");
            } else {
                d.ageBand = band;
            }
        }
        if (e.gender() != null) {
            String g = Demographics.gender(e.gender());
            if (g == null) {
                counters.rejected("invalid_gender");
            } else {
                d.gender = g;
            }
        }
        if (e.country() != null) {
            String c = Demographics.country(e.country());
            if (c == null) {
                counters.rejected("invalid_country");
            } else {
                d.country = c;
            }
        }
    }
}
