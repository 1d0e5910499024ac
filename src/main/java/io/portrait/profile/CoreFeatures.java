package io.portrait.profile;

import io.portrait.event.EventType;
import io.portrait.profile.feature.Activity;
import io.portrait.profile.feature.DecayedWindows;
import io.portrait.profile.feature.Demographics;
import io.portrait.profile.feature.Interests;
import io.portrait.profile.feature.OrderValues;
import java.util.Arrays;
import java.util.Objects;

/**
 * The profile core's keyed state and its partial update to the assembler: everything the core knows
 * of one user. Money is in base-currency minor units. A Flink POJO (public fields, no-arg
 * constructor) whose nested groups are POJOs too; new fields may be added with defaults, which the
 * POJO serializer's schema evolution supports. Budget: ≤ 2 KiB serialized per user
 * (CoreFeaturesBudgetTest).
 */
public class CoreFeatures {
    /** Events applied to this user's profile, erase included: the profile document's version. */
    public long version;

    /** Accepted, de-duplicated events since the user was first seen (or last erased). */
    public long total;

    public long firstSeen = Long.MAX_VALUE;
    public long lastSeen = Long.MIN_VALUE;

    /** Count per {@link EventType#slot()}. */
    public long[] typeCounts = new long[EventType.SLOTS];

    /** Events that arrived behind the watermark (applied anyway). */
    public long late;

    /** Events the data-quality stage flagged as likely bot traffic. */
    public long botSuspected;

    /** Exponentially weighted share of bot-flagged events (weight 0.1 per event). */
    public double botScore;

    /** Event time of the newest purchase, or null. */
    public Long lastPurchaseAt;

    /** Distinct order ids of purchases (a purchase without order_id is its own order). */
    public long orders;

    public long purchaseMinor;
    public long refundMinor;

    public DecayedWindows windows = new DecayedWindows();
    public Interests interests = new Interests();
    public Activity activity = new Activity();
    public OrderValues orderValues = new OrderValues();
    public Demographics demographics = new Demographics();

    /** True once the user has been erased and nothing was applied since. */
    public boolean erased;

    /** Event time of the pending silence-update timer, 0 when none is registered. */
    public long silenceTimer;

    public CoreFeatures() {}

    public CoreFeatures copy() {
        CoreFeatures c = new CoreFeatures();
        c.version = version;
        c.total = total;
        c.firstSeen = firstSeen;
        c.lastSeen = lastSeen;
        c.silenceTimer = silenceTimer;
        c.typeCounts = typeCounts.clone();
        c.late = late;
        c.botSuspected = botSuspected;
        c.botScore = botScore;
        c.lastPurchaseAt = lastPurchaseAt;
        c.orders = orders;
        c.purchaseMinor = purchaseMinor;
        c.refundMinor = refundMinor;
        c.windows = windows.copy();
        c.interests = interests.copy();
        c.activity = activity.copy();
        c.orderValues = orderValues.copy();
        c.demographics = demographics.copy();
        c.erased = erased;
        return c;
    }

    public long count(EventType type) {
        return type.slot() < typeCounts.length ? typeCounts[type.slot()] : 0L;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CoreFeatures c)) {
            return false;
        }
        return version == c.version
                && total == c.total
                && firstSeen == c.firstSeen
                && lastSeen == c.lastSeen
                && Arrays.equals(typeCounts, c.typeCounts)
                && late == c.late
                && botSuspected == c.botSuspected
                && Double.compare(botScore, c.botScore) == 0
                && Objects.equals(lastPurchaseAt, c.lastPurchaseAt)
                && orders == c.orders
                && purchaseMinor == c.purchaseMinor
                && refundMinor == c.refundMinor
                && Arrays.equals(windows.events, c.windows.events)
                && Arrays.equals(interests.categories, c.interests.categories)
                && Arrays.equals(activity.hourOfWeek, c.activity.hourOfWeek)
                && Arrays.equals(orderValues.digest, c.orderValues.digest)
                && Objects.equals(demographics.ageBand, c.demographics.ageBand)
                && erased == c.erased;
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, total, lastSeen, orders, purchaseMinor);
    }

    @Override
    public String toString() {
        return "CoreFeatures{version="
                + version
                + ", total="
                + total
                + ", orders="
                + orders
                + ", purchaseMinor="
                + purchaseMinor
                + ", refundMinor="
                + refundMinor
                + ", erased="
                + erased
                + "}";
    }
}
