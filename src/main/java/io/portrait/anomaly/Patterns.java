package io.portrait.anomaly;

import io.portrait.config.PortraitConfig;
import io.portrait.event.EventType;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

/**
 * The CEP patterns, one static factory per rule (docs/anomaly.md). Each has a {@code within}, small
 * named conditions, explicit contiguity, and skips past the last event of a match so partial
 * matches do not multiply. Loops are {@code consecutive()} over inputs already filtered to the
 * types a pattern uses: a relaxed loop branches on every event (2^k partial matches for k
 * candidates inside the window), which a burst of traffic turns into seconds per event. {@code
 * card_testing} counts distinct orders, an aggregate, and lives in {@link CardTesting}. Parameters
 * come from {@link PortraitConfig.Anomaly}.
 */
public final class Patterns {
    public static final String ACCOUNT_TAKEOVER = "account_takeover";
    public static final String CARD_TESTING = "card_testing";
    public static final String IMPOSSIBLE_TRAVEL = "impossible_travel";
    public static final String SPEND_SPIKE = "spend_spike";
    public static final String REFUND_ABUSE = "refund_abuse";

    private Patterns() {}

    // ------------------------------------------------------------------ conditions

    static SimpleCondition<Enriched> is(EventType type) {
        return SimpleCondition.of(e -> e.event().type() == type);
    }

    /** A purchase far above the user's usual order value (with enough history to say so). */
    static SimpleCondition<Enriched> unusualPurchase(PortraitConfig.Anomaly a) {
        return SimpleCondition.of(e -> isUnusualPurchase(e, a));
    }

    /** A purchase far above the user's median order (orders before it): account_takeover's bar. */
    public static boolean isUnusualPurchase(Enriched e, PortraitConfig.Anomaly a) {
        return e.event().type() == EventType.PURCHASE
                && e.ordersBefore() >= 1
                && e.event().amountMinorOrZero() > a.atoAmountFactor() * e.medianOrderMinor();
    }

    // ------------------------------------------------------------------ patterns

    /**
     * {@code account_takeover}: at least N {@code login_failed}, then a {@code login}, then a
     * {@code password_change} or an unusually large purchase, all within the window.
     */
    public static Pattern<Enriched, Enriched> accountTakeover(PortraitConfig.Anomaly a) {
        return Pattern.<Enriched>begin("failed", AfterMatchSkipStrategy.skipPastLastEvent())
                .where(is(EventType.LOGIN_FAILED))
                .timesOrMore(a.atoFailedLogins())
                .consecutive()
                .followedBy("login")
                .where(is(EventType.LOGIN))
                .followedBy("takeover")
                .where(is(EventType.PASSWORD_CHANGE))
                .or(unusualPurchase(a))
                .within(a.atoWindow());
    }

    /** {@code refund_abuse}: N refunds within the window (the input holds only refunds). */
    public static Pattern<Enriched, Enriched> refundAbuse(PortraitConfig.Anomaly a) {
        return Pattern.<Enriched>begin("refunds", AfterMatchSkipStrategy.skipPastLastEvent())
                .where(is(EventType.REFUND))
                .times(a.refundAbuseRefunds())
                .consecutive()
                .within(a.refundAbuseWindow());
    }

    /** Distinct ids, in order. */
    static String[] ids(Iterable<Enriched> events) {
        Set<String> seen = new HashSet<>();
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Enriched e : events) {
            if (seen.add(e.event().eventId())) {
                out.add(e.event().eventId());
            }
        }
        return out.toArray(new String[0]);
    }
}
