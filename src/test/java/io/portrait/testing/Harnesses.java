package io.portrait.testing;

import io.portrait.control.ControlState;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/** Operator test harnesses on a chosen state backend, optionally restored from a snapshot. */
public final class Harnesses {
    private Harnesses() {}

    public static StateBackend rocksDb() {
        return new EmbeddedRocksDBStateBackend();
    }

    public static StateBackend heap() {
        return new HashMapStateBackend();
    }

    public static <IN, OUT> KeyedOneInputStreamOperatorTestHarness<String, IN, OUT> keyed(
            KeyedProcessFunction<String, IN, OUT> fn,
            KeySelector<IN, String> key,
            StateBackend backend,
            OperatorSubtaskState restore)
            throws Exception {
        return keyedBy(fn, key, Types.STRING, backend, restore);
    }

    /** A keyed harness for any key type (e.g. the aggregator's constant Integer key). */
    public static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> keyedBy(
            KeyedProcessFunction<K, IN, OUT> fn,
            KeySelector<IN, K> key,
            org.apache.flink.api.common.typeinfo.TypeInformation<K> keyType,
            StateBackend backend,
            OperatorSubtaskState restore)
            throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(fn), key, keyType, 128, 1, 0);
        return init(h, backend, restore);
    }

    /**
     * A keyed broadcast harness with the control broadcast state. Its broadcast input is put at the
     * end of time, as {@code ControlWatermarks} does in the job, so the event input alone drives
     * event time.
     */
    public static <IN1, IN2, OUT>
            KeyedBroadcastOperatorTestHarness<String, IN1, IN2, OUT> keyedBroadcast(
                    KeyedBroadcastProcessFunction<String, IN1, IN2, OUT> fn,
                    KeySelector<IN1, String> key,
                    StateBackend backend,
                    OperatorSubtaskState restore)
                    throws Exception {
        var h =
                new KeyedBroadcastOperatorTestHarness<>(
                        new CoBroadcastWithKeyedOperator<>(fn, List.of(ControlState.DESCRIPTOR)),
                        key,
                        Types.STRING,
                        128,
                        1,
                        0);
        init(h, backend, restore);
        h.processBroadcastWatermark(Long.MAX_VALUE);
        return h;
    }

    /**
     * The user operator in a keyed two-input harness: input 1 keyed by user, input 2 the control
     * stream (its watermark at the end of time, as ControlWatermarks puts it in the job).
     */
    public static org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness<
                    String,
                    io.portrait.user.UserInput,
                    io.portrait.control.ControlMessage,
                    io.portrait.profile.ProfileRecord>
            user(
                    io.portrait.config.PortraitConfig config,
                    StateBackend backend,
                    OperatorSubtaskState restore)
                    throws Exception {
        var h =
                new org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness<
                        String,
                        io.portrait.user.UserInput,
                        io.portrait.control.ControlMessage,
                        io.portrait.profile.ProfileRecord>(
                        new io.portrait.user.UserOperator(config),
                        io.portrait.user.UserInput::userId,
                        m -> "",
                        Types.STRING,
                        128,
                        1,
                        0);
        init(h, backend, restore);
        h.processWatermark2(new org.apache.flink.streaming.api.watermark.Watermark(Long.MAX_VALUE));
        return h;
    }

    private static <H extends AbstractStreamOperatorTestHarness<?>> H init(
            H h, StateBackend backend, OperatorSubtaskState restore) throws Exception {
        h.setStateBackend(backend);
        h.setup();
        if (restore == null) {
            h.initializeEmptyState();
        } else {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    /**
     * Keys that still hold the named keyed state. (RocksDB's own entry count includes internal
     * column families such as timers, so tests ask by state name.)
     */
    public static long keysWithState(AbstractStreamOperatorTestHarness<?> h, String stateName) {
        KeyedStateBackend<?> b = h.getOperator().getKeyedStateBackend();
        try (var keys = b.getKeys(stateName, VoidNamespace.INSTANCE)) {
            return keys.count();
        }
    }
}
