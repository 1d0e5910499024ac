package io.portrait.anomaly;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.common.Hashing;
import io.portrait.common.Wire;
import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import java.util.function.Consumer;

/**
 * The keyed anomaly detectors as one module (docs/anomaly.md), each judging an event against the
 * user's statistics from before it:
 *
 * <ul>
 *   <li>{@code card_testing}: at least N small purchases of distinct orders within the window (a
 *       multi-line order is one purchase): the small orders inside the window, at most N, pruned by
 *       event time and cleared after an alert;
 *   <li>{@code impossible_travel}: each located event against the previous located one, farther
 *       than the minimum distance at a speed above the bound (out-of-order events are compared with
 *       the latest one seen);
 *   <li>{@code spend_spike}: a purchase with an extreme robust z-score against the user's orders.
 * </ul>
 */
public final class Detectors {
    static final ObjectMapper JSON = new ObjectMapper();
    public static final int RULE_VERSION = 1;

    /** The detectors' state of one user. */
    public static final class State {
        /** Small orders inside the card-testing window: order hash, first event id, time. */
        long[] orders = new long[0];

        String[] orderEvents = new String[0];
        long[] orderTimes = new long[0];

        /** The previous located event, or null id. */
        String placeEvent;

        long placeTs;
        double placeLat;
        double placeLon;
        String placeCountry;

        /** The newest event time any detector keeps something for (for cleanup). */
        public long newestKept() {
            long t = placeEvent == null ? Long.MIN_VALUE : placeTs;
            for (long o : orderTimes) {
                t = Math.max(t, o);
            }
            return t;
        }

        public boolean isEmpty() {
            return orders.length == 0 && placeEvent == null;
        }

        /** Forgets the small orders (the window has passed); the last place stays. */
        public void clearOrders() {
            orders = new long[0];
            orderEvents = new String[0];
            orderTimes = new long[0];
        }

        public void write(Wire.Out out) {
            out.uvar(orders.length);
            for (int i = 0; i < orders.length; i++) {
                out.fixed64(orders[i]).str(orderEvents[i]).svar(orderTimes[i]);
            }
            out.str(placeEvent);
            if (placeEvent != null) {
                out.svar(placeTs).f64(placeLat).f64(placeLon).str(placeCountry);
            }
        }

        public static State read(Wire.In in) {
            State s = new State();
            int n = in.uvarInt();
            s.orders = new long[n];
            s.orderEvents = new String[n];
            s.orderTimes = new long[n];
            for (int i = 0; i < n; i++) {
                s.orders[i] = in.fixed64();
                s.orderEvents[i] = in.str();
                s.orderTimes[i] = in.svar();
            }
            s.placeEvent = in.str();
            if (s.placeEvent != null) {
                s.placeTs = in.svar();
                s.placeLat = in.f64();
                s.placeLon = in.f64();
                s.placeCountry = in.str();
            }
            return s;
        }
    }

    private final PortraitConfig.Anomaly a;
    private final Money money;

    public Detectors(PortraitConfig config) {
        this.a = config.anomaly();
        this.money = config.money();
    }

    /** Runs every detector on the event; alerts go to {@code out}. */
    public void apply(State s, Enriched in, long now, Consumer<Alert> out) {
        Event e = in.event();
        if (e.type() == EventType.PURCHASE) {
            cardTesting(s, e, now, out);
            spendSpike(in, now, out);
        }
        if (e.lat() != null && e.lon() != null) {
            travel(s, e, now, out);
        }
    }

    static String orderOf(Event e) {
        return e.orderId() == null || e.orderId().isEmpty() ? "event:" + e.eventId() : e.orderId();
    }

    static double money(Money money, double minor) {
        return money.fromBaseMinor(Math.round(minor)).doubleValue();
    }

    private void cardTesting(State s, Event e, long now, Consumer<Alert> out) {
        if (e.amountMinorOrZero() > a.cardTestingMaxMinor()) {
            return;
        }
        long window = a.cardTestingWindow().toMillis();
        long order = Hashing.hash64(orderOf(e));
        boolean known = false;
        for (long o : s.orders) {
            known |= o == order;
        }
        int n = s.orders.length;
        if (!known) {
            s.orders = java.util.Arrays.copyOf(s.orders, n + 1);
            s.orderEvents = java.util.Arrays.copyOf(s.orderEvents, n + 1);
            s.orderTimes = java.util.Arrays.copyOf(s.orderTimes, n + 1);
            s.orders[n] = order;
            s.orderEvents[n] = e.eventId();
            s.orderTimes[n] = e.ts();
            n++;
        }
        // Keep the orders within the window of the newest one (events may arrive out of order).
        long newest = e.ts();
        for (long t : s.orderTimes) {
            newest = Math.max(newest, t);
        }
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (s.orderTimes[i] > newest - window) {
                s.orders[kept] = s.orders[i];
                s.orderEvents[kept] = s.orderEvents[i];
                s.orderTimes[kept] = s.orderTimes[i];
                kept++;
            }
        }
        if (kept < n) {
            s.orders = java.util.Arrays.copyOf(s.orders, kept);
            s.orderEvents = java.util.Arrays.copyOf(s.orderEvents, kept);
            s.orderTimes = java.util.Arrays.copyOf(s.orderTimes, kept);
        }
        if (kept >= a.cardTestingPurchases()) {
            ObjectNode d = JSON.createObjectNode();
            d.put("purchases", kept);
            d.put("min_purchases", a.cardTestingPurchases());
            d.put("max_amount", money(money, a.cardTestingMaxMinor()));
            d.put("window_s", a.cardTestingWindow().toSeconds());
            out.accept(
                    Alert.of(
                            e.userId(),
                            Patterns.CARD_TESTING,
                            RULE_VERSION,
                            "high",
                            newest,
                            now,
                            s.orderEvents.clone(),
                            d.toString()));
            s.clearOrders();
        }
    }

    private void spendSpike(Enriched e, long now, Consumer<Alert> out) {
        double z = e.robustZ(a.spendSpikeMinSpread());
        if (e.ordersBefore() < a.spendSpikeMinOrders() || !(z > a.spendSpikeZ())) {
            return;
        }
        ObjectNode d = JSON.createObjectNode();
        d.put("amount", money(money, e.event().amountMinorOrZero()));
        d.put("median_order", money(money, e.medianOrderMinor()));
        d.put("iqr_order", money(money, e.iqrOrderMinor()));
        d.put("orders_before", e.ordersBefore());
        d.put("z", Math.round(z * 100) / 100.0);
        d.put("min_spread", a.spendSpikeMinSpread());
        d.put("z_threshold", a.spendSpikeZ());
        out.accept(
                Alert.of(
                        e.event().userId(),
                        Patterns.SPEND_SPIKE,
                        RULE_VERSION,
                        "medium",
                        e.event().ts(),
                        now,
                        new String[] {e.event().eventId()},
                        d.toString()));
    }

    private void travel(State s, Event e, long now, Consumer<Alert> out) {
        if (s.placeEvent != null) {
            double km = km(s.placeLat, s.placeLon, e.lat(), e.lon());
            double hours = Math.abs(e.ts() - s.placeTs) / 3_600_000.0;
            if (km >= a.travelMinKm() && (hours == 0 || km / hours > a.travelMaxKmh())) {
                ObjectNode d = JSON.createObjectNode();
                d.put("km", Math.round(km));
                d.put("hours", Math.round(hours * 1000) / 1000.0);
                if (hours > 0) {
                    d.put("kmh", Math.round(km / hours));
                } else {
                    d.putNull("kmh");
                }
                d.put("max_kmh", a.travelMaxKmh());
                d.put("from_country", s.placeCountry);
                d.put("to_country", e.country());
                out.accept(
                        Alert.of(
                                e.userId(),
                                Patterns.IMPOSSIBLE_TRAVEL,
                                RULE_VERSION,
                                "medium",
                                Math.max(e.ts(), s.placeTs),
                                now,
                                new String[] {s.placeEvent, e.eventId()},
                                d.toString()));
            }
        }
        if (s.placeEvent == null || e.ts() >= s.placeTs) {
            s.placeEvent = e.eventId();
            s.placeTs = e.ts();
            s.placeLat = e.lat();
            s.placeLon = e.lon();
            s.placeCountry = e.country();
        }
    }

    static final double EARTH_KM = 6371.0088;

    /** Great-circle distance in km (haversine). */
    public static double km(double lat1, double lon1, double lat2, double lon2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double dp = p2 - p1;
        double dl = Math.toRadians(lon2 - lon1);
        double h =
                Math.sin(dp / 2) * Math.sin(dp / 2)
                        + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
        return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
    }
}
