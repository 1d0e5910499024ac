package io.portrait.predict;

import io.portrait.common.Hashing;
import io.portrait.event.Event;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * What the sequence model sees of one event, before encoding: compact enough to keep the user's
 * last K steps in state (so a new model can rebuild its (h, c) from them), and everything {@link
 * Encoding} needs. The local minute of day uses the event's {@code tz} (UTC without one).
 *
 * @param slot the event type's slot ({@link io.portrait.event.EventType#slot()})
 * @param categoryHash 32-bit hash of the normalised category, 0 without one
 * @param itemHash 32-bit hash of the item id, 0 without one
 * @param ts event time, epoch milliseconds
 * @param amountMinor base-currency minor units, 0 without an amount
 * @param minuteOfDay local minute of day, 0..1439
 */
public record StepInput(
        int slot, int categoryHash, int itemHash, long ts, long amountMinor, int minuteOfDay) {

    /** Bytes per step when packed into state. */
    public static final int PACKED_BYTES = 1 + 4 + 4 + 8 + 8 + 2;

    public static StepInput of(Event e) {
        return new StepInput(
                e.type().slot(),
                categoryHash(e.category()),
                e.itemId() == null || e.itemId().isEmpty() ? 0 : (int) Hashing.hash64(e.itemId()),
                e.ts(),
                Math.max(0L, e.amountMinorOrZero()),
                minuteOfDay(e.ts(), e.tz()));
    }

    static int categoryHash(String category) {
        if (category == null || category.isBlank()) {
            return 0;
        }
        int h = (int) Hashing.hash64(category.trim().toLowerCase(Locale.ROOT));
        return h == 0 ? 1 : h;
    }

    /** The category's one-hot bucket, or -1 without a category. */
    public int categoryBucket() {
        return categoryHash == 0 ? -1 : Math.floorMod(categoryHash, Encoding.CATEGORY_BUCKETS);
    }

    static int minuteOfDay(long ts, String tz) {
        ZoneId zone = ZoneOffset.UTC;
        if (tz != null) {
            try {
                zone = ZoneId.of(tz);
            } catch (DateTimeException ignored) {
                // validated at ingest; an unknown zone here falls back to UTC
            }
        }
        var local = Instant.ofEpochMilli(ts).atZone(zone);
        return local.getHour() * 60 + local.getMinute();
    }

    void writeTo(ByteBuffer buf) {
        buf.put((byte) slot);
        buf.putInt(categoryHash);
        buf.putInt(itemHash);
        buf.putLong(ts);
        buf.putLong(amountMinor);
        buf.putShort((short) minuteOfDay);
    }

    static StepInput readFrom(ByteBuffer buf) {
        return new StepInput(
                buf.get(),
                buf.getInt(),
                buf.getInt(),
                buf.getLong(),
                buf.getLong(),
                buf.getShort());
    }
}
