package io.portrait.testing;

import io.portrait.control.ControlMessage;
import io.portrait.control.Settings;
import io.portrait.event.Event;
import io.portrait.event.EventType;

/** Builders of events and control messages for tests. */
public final class TestEvents {
    private TestEvents() {}

    /** A fluent event builder; unset optional fields are null. */
    public static final class Builder {
        private final String user;
        private final String id;
        private final EventType type;
        private final long ts;
        private String orderId;
        private String category;
        private Long amountMinor;
        private String currency;
        private Integer quantity;
        private String device;
        private String tz;
        private String country;
        private Integer age;
        private String gender;
        private boolean bot;
        private String itemId;
        private Double lat;
        private Double lon;

        private Builder(String user, String id, EventType type, long ts) {
            this.user = user;
            this.id = id;
            this.type = type;
            this.ts = ts;
        }

        public Builder order(String orderId) {
            this.orderId = orderId;
            return this;
        }

        public Builder item(String item) {
            this.itemId = item;
            return this;
        }

        public Builder category(String category) {
            this.category = category;
            return this;
        }

        public Builder amount(long minor) {
            this.amountMinor = minor;
            this.currency = "GBP";
            return this;
        }

        public Builder amountWithoutCurrency(long minor) {
            this.amountMinor = minor;
            this.currency = null;
            return this;
        }

        public Builder quantity(int q) {
            this.quantity = q;
            return this;
        }

        public Builder device(String device) {
            this.device = device;
            return this;
        }

        public Builder tz(String tz) {
            this.tz = tz;
            return this;
        }

        public Builder country(String country) {
            this.country = country;
            return this;
        }

        public Builder attrs(Integer age, String gender) {
            this.age = age;
            this.gender = gender;
            return this;
        }

        public Builder bot() {
            this.bot = true;
            return this;
        }

        public Builder geo(double latitude, double longitude, String countryCode) {
            this.lat = latitude;
            this.lon = longitude;
            this.country = countryCode;
            return this;
        }

        public Event build() {
            return new Event(
                    id,
                    user,
                    type,
                    ts,
                    null,
                    orderId,
                    itemId,
                    category,
                    amountMinor,
                    currency,
                    quantity,
                    device,
                    null,
                    tz,
                    lat,
                    lon,
                    country,
                    age,
                    gender,
                    0,
                    -1,
                    bot);
        }
    }

    public static Builder at(String user, String id, EventType type, long ts) {
        return new Builder(user, id, type, ts);
    }

    public static Event event(String user, String id, EventType type, long ts) {
        return at(user, id, type, ts).build();
    }

    public static Event purchase(
            String user, String id, long ts, String orderId, long amountMinor) {
        return at(user, id, EventType.PURCHASE, ts)
                .order(orderId)
                .category("shoes")
                .amount(amountMinor)
                .quantity(1)
                .build();
    }

    public static Event refund(String user, String id, long ts, long amountMinor) {
        return at(user, id, EventType.REFUND, ts)
                .category("shoes")
                .amount(amountMinor)
                .quantity(1)
                .build();
    }

    public static ControlMessage setting(Settings s, String value, long version) {
        return new ControlMessage(
                Settings.KIND, s.id(), version, 0L, "{\"value\":\"" + value + "\"}", false);
    }

    public static ControlMessage deleteSetting(Settings s) {
        return new ControlMessage(Settings.KIND, s.id(), 0, 0L, null, true);
    }
}
