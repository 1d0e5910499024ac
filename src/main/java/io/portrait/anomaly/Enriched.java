package io.portrait.anomaly;

import io.portrait.event.Event;

/**
 * An event as the anomaly patterns see it: the event and the user's statistics from <em>before</em>
 * it (ARCHITECTURE.md), attached by the profile core — so "unusual" is judged against the past,
 * never against a history that already contains the event. Order-value quantiles are filled for
 * purchases only (NaN otherwise, or without orders).
 *
 * @param ordersBefore distinct orders of the user before this event
 * @param medianOrderMinor median order value, base-currency minor units
 * @param iqrOrderMinor interquartile range of order values
 */
public record Enriched(
        Event event, long ordersBefore, double medianOrderMinor, double iqrOrderMinor) {

    /**
     * Robust z-score of this event's amount against the orders before it: (amount − median) /
     * scale, the scale being IQR / 1.349 but at least {@code minSpread} × median (and one minor
     * unit): the IQR of a handful of orders is too unstable to trust alone.
     */
    public double robustZ(double minSpread) {
        double scale = Math.max(iqrOrderMinor / 1.349, Math.max(minSpread * medianOrderMinor, 1.0));
        return (event.amountMinorOrZero() - medianOrderMinor) / scale;
    }
}
