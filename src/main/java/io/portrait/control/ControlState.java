package io.portrait.control;

import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.TypeExtractor;

/** How every operator applies a control record to its broadcast state. */
public final class ControlState {
    /** Broadcast state: the newest valid control message per key ({@code kind:id}). */
    public static final MapStateDescriptor<String, ControlMessage> DESCRIPTOR =
            new MapStateDescriptor<>(
                    "control", Types.STRING, TypeExtractor.getForClass(ControlMessage.class));

    private ControlState() {}

    /**
     * Stores the message under {@code kind:id} unless an equal or newer version is already there; a
     * tombstone removes the key. Returns whether the state changed.
     */
    public static boolean apply(BroadcastState<String, ControlMessage> state, ControlMessage m)
            throws Exception {
        if (m.deleted()) {
            boolean present = state.contains(m.key());
            state.remove(m.key());
            return present;
        }
        ControlMessage current = state.get(m.key());
        if (current != null && current.version() >= m.version()) {
            return false;
        }
        state.put(m.key(), m);
        return true;
    }
}
