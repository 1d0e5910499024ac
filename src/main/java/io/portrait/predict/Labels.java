package io.portrait.predict;

import io.portrait.event.EventType;
import io.portrait.predict.LstmNet.Target;
import java.time.Duration;
import java.util.List;

/**
 * Training targets of each step of a user's sequence (docs/models/next-action.md):
 *
 * <ul>
 *   <li>next action: the type of the user's next event; none for the last event;
 *   <li>purchase soon: a purchase among the next {@code purchaseWithin} events; unknown (masked)
 *       when the data ends before that many events without one;
 *   <li>churn: no event for {@code churnHorizon} after this one; unknown when the data ends within
 *       the horizon.
 * </ul>
 */
public final class Labels {
    private Labels() {}

    public static Target[] of(
            List<StepInput> steps, int purchaseWithin, Duration churnHorizon, long dataEnd) {
        int n = steps.size();
        Target[] out = new Target[n];
        long horizon = churnHorizon.toMillis();
        int nextPurchase = Integer.MAX_VALUE; // index of the nearest purchase after t
        for (int t = n - 1; t >= 0; t--) {
            int next = t + 1 < n ? steps.get(t + 1).slot() : -1;
            int purchase;
            if (nextPurchase - t <= purchaseWithin) {
                purchase = 1;
            } else {
                purchase = t + purchaseWithin < n ? 0 : -1;
            }
            int churn;
            long ts = steps.get(t).ts();
            if (t + 1 < n) {
                churn = steps.get(t + 1).ts() - ts > horizon ? 1 : 0;
            } else {
                churn = dataEnd - ts > horizon ? 1 : -1;
            }
            out[t] = new Target(next, purchase, churn);
            if (steps.get(t).slot() == EventType.PURCHASE.slot()) {
                nextPurchase = t;
            }
        }
        return out;
    }
}
