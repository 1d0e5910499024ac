package io.portrait.testing;

import io.portrait.control.ControlMessage;
import io.portrait.control.Settings;
import io.portrait.event.Event;
import io.portrait.event.EventType;

/** Builders of events and control messages for tests. */
public final class TestEvents {
    private TestEvents() {}

    public static Event event(String user, String id, EventType type, long ts) {
        return new Event(
                id, user, type, ts, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, 0, -1);
    }

    public static Event purchase(
            String user, String id, long ts, String orderId, long amountMinor) {
        return new Event(
                id,
                user,
                EventType.PURCHASE,
                ts,
                null,
                orderId,
                "sku",
                "shoes",
                amountMinor,
                "GBP",
                1,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                0,
                -1);
    }

    public static Event refund(String user, String id, long ts, long amountMinor) {
        return new Event(
                id,
                user,
                EventType.REFUND,
                ts,
                null,
                null,
                "sku",
                "shoes",
                amountMinor,
                "GBP",
                1,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                0,
                -1);
    }

    public static ControlMessage setting(Settings s, String value, long version) {
        return new ControlMessage(
                Settings.KIND, s.id(), version, 0L, "{\"value\":\"" + value + "\"}", false);
    }

    public static ControlMessage deleteSetting(Settings s) {
        return new ControlMessage(Settings.KIND, s.id(), 0, 0L, null, true);
    }
}
