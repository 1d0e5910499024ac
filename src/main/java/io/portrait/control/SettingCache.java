package io.portrait.control;

import java.time.Duration;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;

/**
 * The value of one runtime setting inside an operator: read lazily from broadcast state (which is
 * restored after a failure while transient fields are not), kept until a control record changes the
 * broadcast state. Not thread-safe; one per operator instance, used from its task thread.
 */
public final class SettingCache {
    private final Settings setting;
    private final Duration defaultValue;
    private Duration value;

    public SettingCache(Settings setting, Duration defaultValue) {
        this.setting = setting;
        this.defaultValue = defaultValue;
    }

    public Duration get(ReadOnlyBroadcastState<String, ControlMessage> state) throws Exception {
        if (value == null) {
            value = setting.valueIn(state, defaultValue);
        }
        return value;
    }

    /** Forget the cached value; the next {@link #get} reads broadcast state again. */
    public void invalidate() {
        value = null;
    }
}
