package io.portrait.control;

/**
 * A record of the compacted control topic: the envelope {@code {"kind","id","version","created_at",
 * "payload"}} with the payload kept as JSON text. {@code deleted} marks a tombstone (null value)
 * for the key {@code kind:id}.
 */
public record ControlMessage(
        String kind, String id, long version, long createdAt, String payload, boolean deleted) {

    public String key() {
        return kind + ":" + id;
    }
}
