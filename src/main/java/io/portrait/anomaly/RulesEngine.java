package io.portrait.anomaly;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.common.Wire;
import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The dynamic rules engine (docs/rules.md) as a module: threshold rules from {@code
 * portrait.control} applied to every user's events without a restart.
 *
 * <p>Per user, a compact digest of each event ({@link RuleDigest}) is kept in time buckets (a
 * {@link BucketStore}: keyed map state behind the user operator's cache, one entry per bucket) for
 * the longest window in force or the configured history, whichever is longer, so a rule added later
 * sees that history at once. Per rule, a running aggregate ({@link RuleAcc}, in the user's state
 * value) is updated incrementally: an event is added when it arrives and subtracted when the
 * window's start passes it, read back from its bucket — no rule re-scans the stored events per
 * event. A rule's aggregate is built from the buckets the first time the user is seen under a new
 * rule version; aggregates of deleted or disabled rules are dropped the next time the user is seen,
 * and everything goes when the user has been quiet past the history. An alert fires when the
 * aggregate crosses its threshold (not again until it has fallen below). Late events are applied
 * like any other; events older than the kept history are counted and skipped.
 */
public final class RulesEngine {

    private static final int EVIDENCE = 10;

    /** Where a user's buckets live: bucket start → digests. */
    public interface BucketStore {
        byte[] get(long start) throws Exception;

        void put(long start, byte[] digests) throws Exception;

        void remove(long start) throws Exception;
    }

    /** What the engine reports besides alerts. */
    public interface Counters {
        void tooOld();

        void late();

        void fired();
    }

    /** The rules in force, parsed once per change of the control state. */
    public record RuleSet(List<Rule> rules, long fingerprint, long horizon) {
        public static RuleSet of(List<Rule> enabled, long historyMillis) {
            List<Rule> sorted = new ArrayList<>(enabled);
            sorted.sort(java.util.Comparator.comparing(Rule::id));
            long h = 17;
            long horizon = historyMillis;
            for (Rule r : sorted) {
                h = h * 31 + r.id().hashCode();
                h = h * 31 + r.version();
                horizon = Math.max(horizon, r.windowMillis());
            }
            return new RuleSet(List.copyOf(sorted), h, horizon);
        }
    }

    /** The engine's state of one user, besides the buckets. */
    public static final class State {
        long newest = Long.MIN_VALUE;

        /** Sorted bucket starts held in the store. */
        long[] buckets = new long[0];

        long ruleSet;
        final Map<String, RuleAcc> accs = new TreeMap<>();

        public boolean isEmpty() {
            return buckets.length == 0 && accs.isEmpty();
        }

        public long newest() {
            return newest;
        }

        public void write(Wire.Out out) {
            out.svar(newest);
            out.uvar(buckets.length);
            long prev = 0;
            for (long b : buckets) {
                out.svar(b - prev);
                prev = b;
            }
            out.fixed64(ruleSet);
            out.uvar(accs.size());
            for (Map.Entry<String, RuleAcc> e : accs.entrySet()) {
                RuleAcc a = e.getValue();
                out.str(e.getKey()).uvar(a.version).svar(a.cutoff).svar(a.count).svar(a.sum);
                out.bool(a.above);
                out.uvar(a.distinct.size());
                for (Map.Entry<Long, Integer> d : a.distinct.entrySet()) {
                    out.fixed64(d.getKey()).svar(d.getValue());
                }
                out.uvar(a.evidence.size());
                for (int i = 0; i < a.evidence.size(); i++) {
                    out.str(a.evidence.get(i)).svar(a.evidenceTs.get(i));
                }
            }
        }

        public static State read(Wire.In in) {
            State s = new State();
            s.newest = in.svar();
            s.buckets = new long[in.uvarInt()];
            long prev = 0;
            for (int i = 0; i < s.buckets.length; i++) {
                prev += in.svar();
                s.buckets[i] = prev;
            }
            s.ruleSet = in.fixed64();
            int n = in.uvarInt();
            for (int i = 0; i < n; i++) {
                String id = in.str();
                RuleAcc a = new RuleAcc();
                a.version = in.uvar();
                a.cutoff = in.svar();
                a.count = in.svar();
                a.sum = in.svar();
                a.above = in.bool();
                int d = in.uvarInt();
                for (int j = 0; j < d; j++) {
                    a.distinct.put(in.fixed64(), (int) in.svar());
                }
                int ev = in.uvarInt();
                for (int j = 0; j < ev; j++) {
                    a.evidence.add(in.str());
                    a.evidenceTs.add(in.svar());
                }
                s.accs.put(id, a);
            }
            return s;
        }
    }

    private final long bucketMillis;
    private final long historyMillis;
    private final Money money;
    private final Map<Rule, Long> minMinors = new HashMap<>();

    public RulesEngine(PortraitConfig config) {
        this.bucketMillis = config.anomaly().rulesBucket().toMillis();
        this.historyMillis = config.anomaly().rulesHistory().toMillis();
        this.money = config.money();
    }

    public long historyMillis() {
        return historyMillis;
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

    /** Forgets the user's buckets and aggregates. */
    public static void clear(State st, BucketStore buckets) throws Exception {
        for (long b : st.buckets) {
            buckets.remove(b);
        }
        st.buckets = new long[0];
        st.accs.clear();
        st.newest = Long.MIN_VALUE;
        st.ruleSet = 0;
    }

    /** Whether everything kept is behind the history at event time {@code t}. */
    public static boolean spent(State st, RuleSet rules, long t) {
        return st.newest != Long.MIN_VALUE && st.newest + rules.horizon() <= t;
    }

    /**
     * Applies the event to the user's buckets and aggregates; alerts go to {@code out}.
     *
     * @param watermark to count late events
     * @param now processing time, the alerts' {@code detected_at}
     */
    public void apply(
            State st,
            BucketStore buckets,
            RuleSet set,
            Event e,
            long watermark,
            long now,
            Counters counters,
            Consumer<Alert> out)
            throws Exception {
        long horizon = set.horizon();
        if (horizon == 0) {
            return; // no rule in force and no history wanted (portrait.rules.history = 0)
        }
        List<Rule> inForce = set.rules();
        long newest = Math.max(st.newest, e.ts());
        if (e.ts() <= newest - horizon) {
            counters.tooOld();
            return;
        }
        if (e.ts() < watermark) {
            counters.late();
        }
        Map<Long, byte[]> read = new HashMap<>();

        // 1. Reconcile aggregates with the rules in force (lazy cleanup of deleted rules).
        if (st.ruleSet != set.fingerprint()) {
            for (Iterator<Map.Entry<String, RuleAcc>> it = st.accs.entrySet().iterator();
                    it.hasNext(); ) {
                Map.Entry<String, RuleAcc> a = it.next();
                if (inForce.stream()
                        .noneMatch(
                                r ->
                                        r.id().equals(a.getKey())
                                                && r.version() == a.getValue().version)) {
                    it.remove();
                }
            }
            st.ruleSet = set.fingerprint();
        }

        // 2. Move each existing aggregate's window start to the new newest (before this event is
        // stored, so a late event is never subtracted without having been added).
        for (Rule r : inForce) {
            RuleAcc acc = st.accs.get(r.id());
            if (acc != null) {
                expire(acc, r, newest - r.windowMillis(), st.buckets, buckets, read);
            }
        }

        // 3. Store the digest; drop buckets wholly behind the history.
        RuleDigest d = RuleDigest.of(e);
        long start = Math.floorDiv(e.ts(), bucketMillis) * bucketMillis;
        byte[] bucket = read.containsKey(start) ? read.get(start) : buckets.get(start);
        Wire.Out buf = new Wire.Out(bucket == null ? 48 : bucket.length + 48);
        if (bucket != null) {
            buf.raw(bucket);
        } else {
            st.buckets = insert(st.buckets, start);
        }
        d.write(buf);
        buckets.put(start, buf.toByteArray());
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
            RuleAcc acc = st.accs.get(r.id());
            boolean matches = r.matches(d, minMinor(r));
            if (acc == null) {
                acc = build(r, newest, st.buckets, buckets);
            } else if (matches && d.ts > acc.cutoff) {
                add(acc, r, d, +1);
            }
            if (matches && d.ts > acc.cutoff) {
                remember(acc, e.eventId(), e.ts());
            }
            double value = value(acc, r);
            if (value >= r.threshold()) {
                if (!acc.above) {
                    counters.fired();
                    out.accept(alert(e.userId(), r, acc, value, newest, now));
                }
                acc.above = true;
            } else {
                acc.above = false;
            }
            st.accs.put(r.id(), acc);
        }
        st.newest = newest;
    }

    /** A new rule (or version) over the history already bucketed. */
    private RuleAcc build(Rule r, long newest, long[] starts, BucketStore buckets)
            throws Exception {
        RuleAcc acc = new RuleAcc();
        acc.version = r.version();
        acc.cutoff = newest - r.windowMillis();
        long min = minMinor(r);
        RuleDigest d = new RuleDigest();
        for (long start : starts) {
            if (start + bucketMillis <= acc.cutoff + 1) {
                continue;
            }
            byte[] bytes = buckets.get(start);
            if (bytes == null) {
                continue;
            }
            Wire.In in = new Wire.In(bytes);
            while (in.more()) {
                d.read(in);
                if (d.ts > acc.cutoff && r.matches(d, min)) {
                    add(acc, r, d, +1);
                }
            }
        }
        return acc;
    }

    /** Subtracts the events with {@code acc.cutoff < ts <= cutoff} and moves the cutoff. */
    private void expire(
            RuleAcc acc,
            Rule r,
            long cutoff,
            long[] starts,
            BucketStore buckets,
            Map<Long, byte[]> read)
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
                if (bytes == null) {
                    continue;
                }
                read.put(start, bytes);
            }
            Wire.In in = new Wire.In(bytes);
            while (in.more()) {
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

    private Alert alert(String userId, Rule r, RuleAcc acc, double value, long newest, long now) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < acc.evidence.size(); i++) {
            if (acc.evidenceTs.get(i) > acc.cutoff) {
                ids.add(acc.evidence.get(i));
            }
        }
        ObjectNode d = Detectors.JSON.createObjectNode();
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
                now,
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
}
