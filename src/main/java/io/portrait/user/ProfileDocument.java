package io.portrait.user;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.common.Rounding;
import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.event.EventType;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.feature.Activity;
import io.portrait.profile.feature.BetaPosterior;
import io.portrait.profile.feature.DecayedWindows;
import io.portrait.profile.feature.Demographics;
import io.portrait.profile.feature.OrderValues;
import io.portrait.profile.feature.Welford;
import io.portrait.segment.SegmentPart;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Map;

/**
 * Renders the profile document of the contract (shared/ARCHITECTURE.md, docs/profile.schema.json)
 * from the modules' state, once per changed user per flush. The document always begins with {@code
 * {"epoch":E,"version":N,"revision":R,}: the Redis sink's Lua script reads that prefix to decide
 * whether a write is newer. The {@code recommendations} group is not stored here: readers compose
 * it ({@code RecommendationJson}).
 */
public final class ProfileDocument {
    private static final JsonFactory JSON = new JsonFactory();

    private static final double DAY_MILLIS = 86_400_000d;

    private ProfileDocument() {}

    /** Next-action classes shown in a profile: the most likely ones, at most this many. */
    static final int NEXT_ACTIONS_SHOWN = 5;

    private static void writePredictions(JsonGenerator g, io.portrait.predict.PredictionPart p)
            throws IOException {
        g.writeObjectFieldStart("predictions");
        g.writeObjectFieldStart("next_action");
        Integer[] order = new Integer[p.nextAction.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(p.nextAction[b], p.nextAction[a]));
        for (int i = 0; i < Math.min(NEXT_ACTIONS_SHOWN, order.length); i++) {
            EventType t = EventType.values()[order[i]];
            g.writeNumberField(t.wireName(), Rounding.round(p.nextAction[order[i]], 3));
        }
        g.writeEndObject();
        g.writeNumberField("purchase_soon", Rounding.round(p.purchaseSoon, 3));
        g.writeNumberField("churn_risk", Rounding.round(p.churnRisk, 3));
        g.writeStringField("model_version", p.modelVersion);
        g.writeEndObject();
    }

    /**
     * @param asOf the event time the document describes: max(last_seen, watermark)
     * @param revision writes of this version caused by something other than an event
     */
    public static String render(
            long epoch,
            String userId,
            CoreFeatures f,
            SegmentPart segment,
            io.portrait.predict.PredictionPart predictions,
            int revision,
            long asOf,
            Money money,
            PortraitConfig.Features features,
            double riskScore,
            int alerts30d) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("epoch", epoch);
            g.writeNumberField("version", f.version);
            g.writeNumberField("revision", revision);
            g.writeStringField("user_id", userId);
            g.writeStringField("updated_at", iso(asOf));
            g.writeStringField("first_seen", iso(f.firstSeen));
            g.writeStringField("last_seen", iso(f.lastSeen));

            g.writeObjectFieldStart("counts");
            g.writeNumberField("total", f.total);
            for (EventType t : EventType.values()) {
                long n = f.count(t);
                if (n > 0) {
                    g.writeNumberField(t.wireName(), n);
                }
            }
            g.writeNumberField("bot_suspected", f.botSuspected);
            g.writeNumberField("late", f.late);
            g.writeEndObject();

            g.writeObjectFieldStart("rfm");
            if (f.lastPurchaseAt == null) {
                g.writeNullField("last_purchase_at");
                g.writeNullField("recency_days");
            } else {
                g.writeStringField("last_purchase_at", iso(f.lastPurchaseAt));
                g.writeNumberField("recency_days", days(Math.max(0, asOf - f.lastPurchaseAt)));
            }
            g.writeNumberField("orders", f.orders);
            g.writeNumberField("purchase_amount", money.fromBaseMinor(f.purchaseMinor));
            g.writeNumberField("refund_amount", money.fromBaseMinor(f.refundMinor));
            g.writeNumberField("monetary", money.fromBaseMinor(f.purchaseMinor - f.refundMinor));
            long aovMinor =
                    f.orders == 0
                            ? 0
                            : BigDecimal.valueOf(f.purchaseMinor)
                                    .divide(BigDecimal.valueOf(f.orders), 0, RoundingMode.HALF_EVEN)
                                    .longValueExact();
            g.writeNumberField("avg_order_value", money.fromBaseMinor(aovMinor));
            g.writeStringField("currency", money.baseCurrency());
            if (f.lastPurchaseAt == null) {
                g.writeNullField("recency_days_at_last_event");
            } else {
                g.writeNumberField(
                        "recency_days_at_last_event",
                        days(Math.max(0, f.lastSeen - f.lastPurchaseAt)));
            }
            g.writeObjectFieldStart("windows");
            DecayedWindows w = f.windows;
            for (int i = 0; i < DecayedWindows.WINDOWS.length; i++) {
                g.writeObjectFieldStart(DecayedWindows.NAMES[i]);
                g.writeNumberField("events", Rounding.round(w.at(w.events, i, asOf), 3));
                g.writeNumberField("purchases", Rounding.round(w.at(w.purchases, i, asOf), 3));
                g.writeNumberField(
                        "spend", money.fromBaseMinor(Math.round(w.at(w.spendMinor, i, asOf))));
                g.writeEndObject();
            }
            g.writeEndObject();
            OrderValues ov = f.orderValues.withOpenOrderClosed();
            g.writeObjectFieldStart("order_value");
            g.writeNumberField("count", ov.count);
            if (ov.count == 0) {
                g.writeNullField("mean");
                g.writeNullField("std");
                g.writeNullField("p50");
                g.writeNullField("p90");
            } else {
                g.writeNumberField("mean", money.fromBaseMinor(Math.round(ov.mean)));
                g.writeNumberField("std", money.fromBaseMinor(Math.round(ov.std())));
                g.writeNumberField("p50", money.fromBaseMinor(Math.round(ov.quantile(0.5))));
                g.writeNumberField("p90", money.fromBaseMinor(Math.round(ov.quantile(0.9))));
            }
            g.writeEndObject();
            g.writeEndObject();

            g.writeObjectFieldStart("interests");
            for (Map.Entry<String, Double> e : f.interests.top(5).entrySet()) {
                g.writeNumberField(e.getKey(), Rounding.round(e.getValue(), 3));
            }
            g.writeEndObject();

            Activity a = f.activity;
            g.writeObjectFieldStart("activity");
            g.writeNumberField("sessions", a.sessions);
            g.writeNumberField(
                    "events_per_session",
                    a.sessions == 0 ? 0 : Rounding.round((double) f.total / a.sessions, 2));
            g.writeNumberField("gap_mean_s", Rounding.round(a.gapMean, 1));
            g.writeNumberField("gap_std_s", Rounding.round(Welford.std(a.gapCount, a.gapM2), 1));
            writeStringOrNull(g, "preferred_device", a.preferredDevice());
            writeStringOrNull(g, "last_country", a.lastCountry);
            g.writeStringField("tz", a.tz != null ? a.tz : features.defaultZone().getId());
            g.writeNumberField("peak_hour_of_week", a.peakHourOfWeek());
            g.writeArrayFieldStart("hour_of_week");
            for (short c : a.hourOfWeek) {
                g.writeNumber(c);
            }
            g.writeEndArray();
            g.writeEndObject();

            g.writeObjectFieldStart("propensity");
            g.writeObjectFieldStart("conversion");
            double alpha = features.priorAlpha();
            double beta = features.priorBeta();
            g.writeNumberField(
                    "mean",
                    Rounding.round(BetaPosterior.mean(alpha, beta, a.successes, a.trials), 4));
            double[] ci = BetaPosterior.ci90(alpha, beta, a.successes, a.trials);
            g.writeArrayFieldStart("ci90");
            g.writeNumber(Rounding.round(ci[0], 4));
            g.writeNumber(Rounding.round(ci[1], 4));
            g.writeEndArray();
            g.writeNumberField("sessions", a.trials);
            g.writeNumberField("converted", a.successes);
            g.writeEndObject();
            g.writeEndObject();

            g.writeObjectFieldStart("risk");
            g.writeNumberField("score", Rounding.round(riskScore, 3));
            g.writeNumberField("alerts_30d", alerts30d);
            g.writeNumberField("bot_score", Rounding.round(f.botScore, 3));
            g.writeEndObject();

            if (segment != null) {
                g.writeObjectFieldStart("segment");
                if (segment.id < 0) {
                    g.writeNullField("id");
                    g.writeNullField("label");
                    g.writeNullField("distance");
                    g.writeNullField("model_version");
                } else {
                    g.writeNumberField("id", segment.id);
                    g.writeStringField("label", segment.label);
                    g.writeNumberField("distance", Rounding.round(segment.distance, 3));
                    g.writeStringField("model_version", Long.toString(segment.modelVersion));
                }
                g.writeArrayFieldStart("vector");
                for (double v : segment.vector) {
                    g.writeNumber(Rounding.round(v, 4));
                }
                g.writeEndArray();
                g.writeEndObject();
            }

            if (predictions != null) {
                writePredictions(g, predictions);
            }

            Demographics d = f.demographics;
            g.writeObjectFieldStart("demographics");
            writeStringOrNull(g, "age_band", d.ageBand);
            writeStringOrNull(g, "gender", d.gender);
            writeStringOrNull(g, "country", d.country);
            g.writeEndObject();

            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Days with three decimals, as every day count in the document is written. */
    public static BigDecimal days(long millis) {
        return BigDecimal.valueOf(millis / DAY_MILLIS).setScale(3, RoundingMode.HALF_EVEN);
    }

    private static void writeStringOrNull(JsonGenerator g, String field, String value)
            throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeStringField(field, value);
        }
    }

    /** The tombstone that replaces an erased user's profile until its TTL ends. */
    public static String tombstone(long epoch, long version) {
        return "{\"epoch\":" + epoch + ",\"version\":" + version + ",\"erased\":true}";
    }

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
