package io.portrait.anomaly;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.ControlState;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.Descriptors;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The dynamic rules engine (docs/rules.md): threshold rules from {@code portrait.control} applied
 * to every user's events without a restart.
 *
 * <p>Per user, a compact digest of each event ({@link RuleDigest}) is kept in time buckets (keyed
 * state, one map entry per bucket) for the longest window in force or the configured history,
 * whichever is longer, so a rule added later sees that history at once. Per rule, a running
 * aggregate ({@link RuleAcc}) is updated incrementally: an event is added when it arrives and
 * subtracted when the window's start passes it, read back from its bucket — no rule re-scans the
 * stored events per event. A rule's aggregate is built from the buckets the first time the user is
 * seen under a new rule version; aggregates of deleted or disabled rules are dropped the next time
 * the user is seen, and everything goes when the user has been quiet past the history. An alert
 * fires when the aggregate crosses its threshold (not again until it has fallen below). Late events
 * are applied like any other; events older than the kept history are counted and skipped.
 */
public final class RulesFunction
        extends KeyedBroadcastProcessFunction<String, Enriched, ControlMessage, Alert> {

    private static final int EVIDENCE = 10;

    private final long bucketMillis;
    private final long historyMillis;
    private final Money money;

    private transient MapState<Long, byte[]> buckets;
    private transient MapState<String, RuleAcc> accs;
    private transient ValueState<RulesState> index;
    private transient List<Rule> rules;
    private transient Map<Rule, Long> minMinors;

    /** Derived from {@link #rules} when it is parsed: its fingerprint and the history to keep. */
    private transient long rulesFingerprint;

    private transient long rulesHorizon;
    private transient Counter tooOld;
    private transient Counter lateApplied;
    private transient Counter fired;

    public RulesFunction(PortraitConfig config) {
        this.bucketMillis = config.anomaly().rulesBucket().toMillis();
        this.historyMillis = config.anomaly().rulesHistory().toMillis();
        this.money = config.money();
    }

    static MapStateDescriptor<Long, byte[]> bucketsDescriptor() {
        return new MapStateDescriptor<>(
                "rule-buckets", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    @Override
    public void open(OpenContext ctx) {
        buckets = getRuntimeContext().getMapState(bucketsDescriptor());
        accs =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "rule-aggregates",
                                        Types.STRING,
                                        TypeExtractor.getForClass(RuleAcc.class)));
        index =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "rule-index", TypeExtractor.getForClass(RulesState.class)));
        var group = getRuntimeContext().getMetricGroup().addGroup("rules");
        tooOld = group.counter("tooOld");
        lateApplied = group.counter("late");
        fired = group.counter("alerts");
    }

    /** The enabled rules in force, parsed once per change of the broadcast state. */
    private List<Rule> rules(ReadOnlyBroadcastState<String, ControlMessage> control)
            throws Exception {
        if (rules == null) {
            List<Rule> parsed = new ArrayList<>();
            for (Map.Entry<String, ControlMessage> e : control.immutableEntries()) {
                ControlMessage m = e.getValue();
                if ("rule".equals(m.kind())) {
                    Rule r = Rule.parse(m.id(), m.version(), m.payload());
                    if (r.enabled()) {
                        parsed.add(r);
                    }
                }
            }
            parsed.sort(java.util.Comparator.comparing(Rule::id));
            rules = parsed;
            minMinors = new HashMap<>();
            rulesFingerprint = fingerprint(parsed);
            rulesHorizon = horizon(parsed);
        }
        return rules;
    }

    private static long fingerprint(List<Rule> rules) {
        long h = 17;
        for (Rule r : rules) {
            h = h * 31 + r.id().hashCode();
            h = h * 31 + r.version();
        }
        return h;
    }

    private long horizon(List<Rule> rules) {
        long h = historyMillis;
        for (Rule r : rules) {
            h = Math.max(h, r.windowMillis());
        }
        return h;
    }

    private long minMinor(Rule r) {
        if (Double.isNaN(r.minAmount())) {
            return -1;
        }
        return minMinors.computeIfAbsent(
                r,
                k ->
                        money.toBaseMinor(BigDecimal.valueOf(k.minAmount()), money.baseCurrency())
                                .getAsLong());
    }

    @Override
    public void processElement(Enriched in, ReadOnlyContext ctx, Collector<Alert> out)
            throws Exception {
        Event e = in.event();
        if (e.type() == EventType.ERASE) {
            RulesState st = index.value();
            if (st != null && st.timer != 0) {
                ctx.timerService().deleteEventTimeTimer(st.timer);
            }
            clear();
            return;
        }
        List<Rule> inForce = rules(ctx.getBroadcastState(Descriptors.CONTROL));
        long horizon = rulesHorizon;
        if (horizon == 0) {
            return; // no rule in force and no history wanted (portrait.rules.history = 0)
        }
        RulesState st = index.value();
        if (st == null) {
            st = new RulesState();
        }
        long newest = Math.max(st.newest, e.ts());
        if (e.ts() <= newest - horizon) {
            tooOld.inc();
            return;
        }
        if (e.ts() < ctx.timerService().currentWatermark()) {
            lateApplied.inc();
        }
        Map<Long, byte[]> read = new HashMap<>();

        // 1. Reconcile aggregates with the rules in force (lazy cleanup of deleted rules).
        long fp = rulesFingerprint;
        if (st.ruleSet != fp) {
            for (Iterator<Map.Entry<String, RuleAcc>> it = accs.iterator(); it.hasNext(); ) {
                Map.Entry<String, RuleAcc> a = it.next();
                if (inForce.stream()
                        .noneMatch(
                                r ->
                                        r.id().equals(a.getKey())
                                                && r.version() == a.getValue().version)) {
                    it.remove();
                }
            }
            st.ruleSet = fp;
        }

        // 2. Move each existing aggregate's window start to the new newest (before this event is
        // stored, so a late event is never subtracted without having been added).
        Map<String, RuleAcc> current = new HashMap<>();
        for (Rule r : inForce) {
            RuleAcc acc = accs.get(r.id());
            if (acc != null) {
                expire(acc, r, newest - r.windowMillis(), st.buckets, read);
                current.put(r.id(), acc);
            }
        }

        // 3. Store the digest; drop buckets wholly behind the history.
        RuleDigest d = RuleDigest.of(e);
        long start = Math.floorDiv(e.ts(), bucketMillis) * bucketMillis;
        byte[] bucket = read.containsKey(start) ? read.get(start) : buckets.get(start);
        DataOutputSerializer buf = new DataOutputSerializer(96);
        if (bucket != null) {
            buf.write(bucket);
        } else {
            st.buckets = insert(st.buckets, start);
        }
        d.write(buf);
        buckets.put(start, buf.getCopyOfBuffer());
        int drop = 0;
        while (drop < st.buckets.length && st.buckets[drop] + bucketMillis <= newest - horizon) {
            buckets.remove(st.buckets[drop++]);
        }
        if (drop > 0) {
            st.buckets = Arrays.copyOfRange(st.buckets, drop, st.buckets.length);
        }

        // 4. Add the event to each aggregate (or build a new rule's aggregate from history), then
        // compare with the threshold.
        for (Rule r : inForce) {
            RuleAcc acc = current.get(r.id());
            boolean matches = r.matches(d, minMinor(r));
            if (acc == null) {
                acc = build(r, newest, st.buckets);
            } else if (matches && d.ts > acc.cutoff) {
                add(acc, r, d, +1);
            }
            if (matches && d.ts > acc.cutoff) {
                remember(acc, e.eventId(), e.ts());
            }
            double value = value(acc, r);
            if (value >= r.threshold()) {
                if (!acc.above) {
                    fired.inc();
                    out.collect(alert(e.userId(), r, acc, value, newest, ctx));
                }
                acc.above = true;
            } else {
                acc.above = false;
            }
            accs.put(r.id(), acc);
        }

        st.newest = newest;
        if (st.timer == 0) {
            st.timer = newest + horizon;
            ctx.timerService().registerEventTimeTimer(st.timer);
        }
        index.update(st);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        RulesState st = index.value();
        if (st == null) {
            return;
        }
        rules(ctx.getBroadcastState(Descriptors.CONTROL));
        long until = st.newest + rulesHorizon;
        if (until <= timestamp) {
            clear();
        } else {
            st.timer = until;
            ctx.timerService().registerEventTimeTimer(until);
            index.update(st);
        }
    }

    private void clear() {
        buckets.clear();
        accs.clear();
        index.clear();
    }

    /** A new rule (or version) over the history already bucketed. */
    private RuleAcc build(Rule r, long newest, long[] starts) throws Exception {
        RuleAcc acc = new RuleAcc();
        acc.version = r.version();
        acc.cutoff = newest - r.windowMillis();
        long min = minMinor(r);
        RuleDigest d = new RuleDigest();
        for (long start : starts) {
            if (start + bucketMillis <= acc.cutoff + 1) {
                continue;
            }
            DataInputDeserializer in = new DataInputDeserializer(buckets.get(start));
            while (in.available() > 0) {
                d.read(in);
                if (d.ts > acc.cutoff && r.matches(d, min)) {
                    add(acc, r, d, +1);
                }
            }
        }
        return acc;
    }

    /** Subtracts the events with {@code acc.cutoff < ts <= cutoff} and moves the cutoff. */
    private void expire(RuleAcc acc, Rule r, long cutoff, long[] starts, Map<Long, byte[]> read)
            throws Exception {
        if (cutoff <= acc.cutoff) {
            return;
        }
        long min = minMinor(r);
        RuleDigest d = new RuleDigest();
        for (long start : starts) {
            if (start > cutoff) {
                break;
            }
            if (start + bucketMillis <= acc.cutoff + 1) {
                continue;
            }
            byte[] bytes = read.get(start);
            if (bytes == null) {
                bytes = buckets.get(start);
                read.put(start, bytes);
            }
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            while (in.available() > 0) {
                d.read(in);
                if (d.ts > acc.cutoff && d.ts <= cutoff && r.matches(d, min)) {
                    add(acc, r, d, -1);
                }
            }
        }
        acc.cutoff = cutoff;
    }

    private static void add(RuleAcc acc, Rule r, RuleDigest d, int sign) {
        acc.count += sign;
        switch (r.fn()) {
            case SUM -> acc.sum += sign * Math.max(0, d.amountMinor);
            case DISTINCT -> {
                long h = d.hash(r.field());
                if (h != 0) {
                    acc.distinct.merge(h, sign, (a, b) -> a + b == 0 ? null : a + b);
                }
            }
            case COUNT -> {}
        }
    }

    private static void remember(RuleAcc acc, String eventId, long ts) {
        acc.evidence.add(eventId);
        acc.evidenceTs.add(ts);
        while (acc.evidence.size() > EVIDENCE) {
            acc.evidence.remove(0);
            acc.evidenceTs.remove(0);
        }
    }

    private double value(RuleAcc acc, Rule r) {
        return switch (r.fn()) {
            case COUNT -> acc.count;
            case SUM -> money.fromBaseMinor(acc.sum).doubleValue();
            case DISTINCT -> acc.distinct.size();
        };
    }

    private Alert alert(
            String userId, Rule r, RuleAcc acc, double value, long newest, ReadOnlyContext ctx) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < acc.evidence.size(); i++) {
            if (acc.evidenceTs.get(i) > acc.cutoff) {
                ids.add(acc.evidence.get(i));
            }
        }
        ObjectNode d = Anomalies.JSON.createObjectNode();
        d.put("aggregate", r.fn().name().toLowerCase(java.util.Locale.ROOT));
        if (r.field() != null) {
            d.put("field", r.field().wire());
        }
        d.put("value", value);
        d.put("threshold", r.threshold());
        d.put("window_s", r.windowMillis() / 1000.0);
        d.put("events_in_window", acc.count);
        ArrayNode types = d.putArray("types");
        for (EventType t : EventType.values()) {
            if (t != EventType.ERASE && (r.typeMask() & (1 << t.slot())) != 0) {
                types.add(t.wireName());
            }
        }
        if (!Double.isNaN(r.minAmount())) {
            d.put("min_amount", r.minAmount());
        }
        d.put("dynamic", true);
        return Alert.of(
                userId,
                r.id(),
                (int) r.version(),
                r.severity(),
                newest,
                ctx.timerService().currentProcessingTime(),
                ids.toArray(new String[0]),
                d.toString());
    }

    private static long[] insert(long[] sorted, long v) {
        int at = Arrays.binarySearch(sorted, v);
        if (at >= 0) {
            return sorted;
        }
        at = -at - 1;
        long[] out = new long[sorted.length + 1];
        System.arraycopy(sorted, 0, out, 0, at);
        out[at] = v;
        System.arraycopy(sorted, at, out, at + 1, sorted.length - at);
        return out;
    }

    @Override
    public void processBroadcastElement(ControlMessage m, Context ctx, Collector<Alert> out)
            throws Exception {
        if ("rule".equals(m.kind())
                && ControlState.apply(ctx.getBroadcastState(Descriptors.CONTROL), m)) {
            rules = null;
        }
    }
}
