package io.portrait.event;

import java.util.HashMap;
import java.util.Map;

/**
 * The event types of the input contract. {@link #slot()} indexes per-type counters in state and is
 * fixed forever: new types get new slots, a removed type keeps its slot unused.
 */
public enum EventType {
    VIEW("view", 0),
    CLICK("click", 1),
    SEARCH("search", 2),
    ADD_TO_CART("add_to_cart", 3),
    REMOVE_FROM_CART("remove_from_cart", 4),
    PURCHASE("purchase", 5),
    REFUND("refund", 6),
    LOGIN("login", 7),
    LOGIN_FAILED("login_failed", 8),
    LOGOUT("logout", 9),
    PASSWORD_CHANGE("password_change", 10),
    PROFILE_UPDATE("profile_update", 11),
    LIKE("like", 12),
    SHARE("share", 13),
    FOLLOW("follow", 14),
    ERASE("erase", 15);

    /** Number of counter slots state must hold. */
    public static final int SLOTS = 16;

    private static final Map<String, EventType> BY_NAME = new HashMap<>();

    static {
        for (EventType t : values()) {
            BY_NAME.put(t.wireName, t);
        }
    }

    private final String wireName;
    private final int slot;

    EventType(String wireName, int slot) {
        this.wireName = wireName;
        this.slot = slot;
    }

    /** The name on the wire and in profile documents. */
    public String wireName() {
        return wireName;
    }

    public int slot() {
        return slot;
    }

    /** The type with this wire name, or null. */
    public static EventType fromWire(String name) {
        return BY_NAME.get(name);
    }
}
