package io.portrait.profile;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.portrait.config.Money;
import io.portrait.event.EventType;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

/**
 * Renders the profile document of the contract (shared/ARCHITECTURE.md, docs/profile.schema.json).
 * The document always begins with {@code {"epoch":E,"version":N,}: the Redis sink's Lua script
 * reads that prefix to decide whether a write is newer.
 */
public final class ProfileDocument {
    private static final JsonFactory JSON = new JsonFactory();
    private static final double DAY_MILLIS = 86_400_000d;

    private ProfileDocument() {}

    /**
     * @param asOf the event time the document describes: max(last_seen, watermark)
     */
    public static String render(long epoch, String userId, CoreFeatures f, long asOf, Money money) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("epoch", epoch);
            g.writeNumberField("version", f.version);
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
                double days = Math.max(0, asOf - f.lastPurchaseAt) / DAY_MILLIS;
                g.writeNumberField(
                        "recency_days",
                        BigDecimal.valueOf(days).setScale(3, RoundingMode.HALF_EVEN));
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
            g.writeEndObject();

            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The tombstone that replaces an erased user's profile until its TTL ends. */
    public static String tombstone(long epoch, long version) {
        return "{\"epoch\":" + epoch + ",\"version\":" + version + ",\"erased\":true}";
    }

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
