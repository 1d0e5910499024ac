package io.portrait.event;

/**
 * A validated behaviour event. Amounts are already in base-currency minor units ({@link
 * #amountMinor}), so nothing downstream touches floating-point money. {@code sourcePartition} and
 * {@code sourceOffset} say where it came from, for DLQ records written after parsing (-1 when
 * unknown).
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
        long sourceOffset) {

    /** Money amount in minor units, 0 when the event carries none. */
    public long amountMinorOrZero() {
        return amountMinor == null ? 0L : amountMinor;
    }
}
