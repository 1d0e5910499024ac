package io.portrait.quality;

import io.portrait.anomaly.Alert;
import io.portrait.common.Hashing;
import io.portrait.common.Wire;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import java.util.Locale;
import java.util.Objects;

/**
 * The data-quality module. It applies the missing-value policy (docs/data-quality.md), corrects
 * what is safe to correct (category casing, the base currency of an amount without one), and flags
 * likely bots in event time — superhuman action rates, metronomic inter-event times, view floods —
 * without dropping their events. The first flag of a burst raises a {@code bot_burst} alert, then
 * the rule is quiet for the suppression window. Rate rules count one action per (order_id, ts), so
 * a multi-line invoice is one action. Every flag, correction and imputation is reported to {@link
 * Counters} under its reason.
 */
public final class Quality {

    public static final String BOT_BURST = "bot_burst";
    public static final int RULE_VERSION = 1;

    /** Every reason the module counts (metric names in the group {@code quality}). */
    public static final String[] REASONS = {
        "imputed_currency",
        "missing_amount",
        "missing_category",
        "corrected_category",
        "missing_device",
        "imputed_tz",
        "bot_suspected",
        BOT_BURST
    };

    /** Receives one count per reason. */
    public interface Counters {
        void count(String reason);
    }

    /** The corrected event, and a {@code bot_burst} alert or null. */
    public record Result(Event event, Alert alert) {}

    private final PortraitConfig.Quality q;
    private final String baseCurrency;

    public Quality(PortraitConfig config) {
        this.q = config.quality();
        this.baseCurrency = config.money().baseCurrency();
    }

    /**
     * Corrects {@code e} and updates the user's bot detector.
     *
     * @param now processing time, the alert's {@code detected_at}
     */
    public Result apply(BotState s, Event e, long now, Counters counters) {
        String category = e.category();
        if (category != null) {
            String normal = category.trim().toLowerCase(Locale.ROOT);
            if (normal.isEmpty()) {
                normal = null;
            }
            if (!Objects.equals(normal, category)) {
                counters.count("corrected_category");
            }
            category = normal;
        }
        if (category == null && isItemEvent(e.type())) {
            counters.count("missing_category");
        }
        String currency = e.currency();
        Long amount = e.amountMinor();
        if (amount != null && currency == null) {
            currency = baseCurrency;
            counters.count("imputed_currency");
        }
        if (amount == null && (e.type() == EventType.PURCHASE || e.type() == EventType.REFUND)) {
            amount = 0L;
            counters.count("missing_amount");
        }
        if (e.device() == null) {
            counters.count("missing_device");
        }
        if (e.tz() == null) {
            counters.count("imputed_tz");
        }
        String rule = detect(s, e);
        boolean bot = rule != null;
        Alert alert = null;
        if (bot) {
            counters.count("bot_suspected");
            if (e.ts() >= s.suppressedUntil) {
                s.suppressedUntil = e.ts() + q.alertSuppression().toMillis();
                counters.count(BOT_BURST);
                alert =
                        Alert.of(
                                e.userId(),
                                BOT_BURST,
                                RULE_VERSION,
                                "medium",
                                e.ts(),
                                now,
                                s.evidence(),
                                rule);
            }
        }
        return new Result(e.withQuality(category, currency, amount, bot), alert);
    }

    /**
     * Updates the detector with the event; returns the details JSON of a rule that fired, or null.
     */
    String detect(BotState s, Event e) {
        s.pushId(e.eventId());
        long orderHash = e.orderId() == null ? 0 : Hashing.hash64(e.orderId());
        boolean sameAction =
                e.orderId() != null && orderHash == s.lastOrderHash && e.ts() == s.lastOrderTs;
        if (!sameAction) {
            s.pushAction(e.ts());
            s.lastOrderHash = orderHash;
            s.lastOrderTs = e.orderId() == null ? Long.MIN_VALUE : e.ts();
        }
        s.viewStreak = e.type() == EventType.VIEW ? s.viewStreak + 1 : 0;

        int n = q.burstActions();
        if (s.size >= n) {
            long span = s.action(1) - s.action(n);
            if (span >= 0 && span < q.burstWindow().toMillis()) {
                return "{\"reason\":\"rate\",\"actions\":" + n + ",\"within_ms\":" + span + "}";
            }
        }
        int k = q.metronomeIntervals();
        if (s.size > k) {
            double sum = 0;
            double sumSq = 0;
            for (int i = 1; i <= k; i++) {
                double d = s.action(i) - s.action(i + 1);
                sum += d;
                sumSq += d * d;
            }
            double mean = sum / k;
            double var = Math.max(0, sumSq / k - mean * mean);
            if (mean > 0
                    && mean < q.metronomeMaxGap().toMillis()
                    && Math.sqrt(var) / mean < q.metronomeCv()) {
                return String.format(
                        Locale.ROOT,
                        "{\"reason\":\"metronome\",\"intervals\":%d,\"mean_ms\":%.1f,\"cv\":%.4f}",
                        k,
                        mean,
                        Math.sqrt(var) / mean);
            }
        }
        if (s.viewStreak >= q.viewFlood()) {
            return "{\"reason\":\"view_flood\",\"views_in_a_row\":" + s.viewStreak + "}";
        }
        return null;
    }

    static boolean isItemEvent(EventType t) {
        return switch (t) {
            case VIEW, CLICK, ADD_TO_CART, REMOVE_FROM_CART, PURCHASE, REFUND, LIKE, SHARE -> true;
            default -> false;
        };
    }

    /** The detector's state in the user state value (oldest action first, as deltas). */
    public static void write(BotState s, Wire.Out out) {
        out.uvar(s.size);
        long prev = 0;
        for (int k = s.size; k >= 1; k--) {
            long t = s.action(k);
            out.svar(k == s.size ? t : t - prev);
            prev = t;
        }
        out.fixed64(s.lastOrderHash).svar(s.lastOrderTs).uvar(s.viewStreak);
        out.uvar(s.nextId);
        for (String id : s.recentIds) {
            out.str(id);
        }
        out.svar(s.suppressedUntil);
    }

    public static BotState read(Wire.In in) {
        BotState s = new BotState();
        int n = in.uvarInt();
        if (n > BotState.RING) {
            throw new IllegalStateException("bot ring larger than " + BotState.RING + ": " + n);
        }
        long prev = 0;
        for (int k = 0; k < n; k++) {
            long t = k == 0 ? in.svar() : prev + in.svar();
            s.pushAction(t);
            prev = t;
        }
        s.lastOrderHash = in.fixed64();
        s.lastOrderTs = in.svar();
        s.viewStreak = in.uvarInt();
        s.nextId = in.uvarInt() % BotState.EVIDENCE;
        for (int i = 0; i < BotState.EVIDENCE; i++) {
            s.recentIds[i] = in.str();
        }
        s.suppressedUntil = in.svar();
        return s;
    }
}
