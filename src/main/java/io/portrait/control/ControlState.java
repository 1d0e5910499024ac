package io.portrait.control;

import org.apache.flink.api.common.state.BroadcastState;

/** How every operator applies a control record to its broadcast state. */
public final class ControlState {
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
