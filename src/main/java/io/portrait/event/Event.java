package io.portrait.event;

/**
 * A validated behaviour event. Amounts are already in base-currency minor units ({@link
 * #amountMinor}), so nothing downstream touches floating-point money. {@code sourcePartition} and
 * {@code sourceOffset} say where it came from, for DLQ records written after parsing (-1 when
 * unknown). {@code botSuspected} is set by the data-quality stage: flagged events are kept and
 * counted, but stay out of behavioural features.
 *
 * <p>A record with only Flink-serializable fields: it is serialized by Flink's POJO serializer,
 * never Kryo (see EventSerializationTest).
 */
public record Event(
        String eventId,
        String userId,
        EventType type,
        long ts,
        String sessionId,
        String orderId,
        String itemId,
        String category,
        Long amountMinor,
        String currency,
        Integer quantity,
        String device,
        String ip,
        String tz,
        Double lat,
        Double lon,
        String country,
        Integer age,
        String gender,
        int sourcePartition,
        long sourceOffset,
        boolean botSuspected) {

    /** A copy after the data-quality stage: normalised category and currency, bot flag. */
    public Event withQuality(
            String newCategory, String newCurrency, Long newAmountMinor, boolean bot) {
        return new Event(
                eventId,
                userId,
                type,
                ts,
                sessionId,
                orderId,
                itemId,
                newCategory,
                newAmountMinor,
                newCurrency,
                quantity,
                device,
                ip,
                tz,
                lat,
                lon,
                country,
                age,
                gender,
                sourcePartition,
                sourceOffset,
                bot);
    }

    /** Money amount in minor units, 0 when the event carries none. */
    public long amountMinorOrZero() {
        return amountMinor == null ? 0L : amountMinor;
    }
}
