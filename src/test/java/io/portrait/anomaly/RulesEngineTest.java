package io.portrait.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.testing.TestEvents;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dynamic rules engine as a module: exact sliding windows, filters, fire-on-crossing, rules
 * added/edited/deleted while events flow, a new rule over existing history, lateness, cleanup — and
 * the incremental aggregates against a brute-force recomputation over a random stream, with the
 * state encoded and decoded along the way as the user operator stores it.
 */
class RulesEngineTest {
    static final long T0 = 1_764_000_000_000L;
    static final long S = 1_000;
    static final ObjectMapper JSON = new ObjectMapper();
    static final PortraitConfig CONFIG = PortraitConfig.defaults();

    static ControlMessage rule(String id, long version, String payload) {
        Rule.parse(id, version, payload); // what the control parser checks
        return new ControlMessage("rule", id, version, 0, payload, false);
    }

    static ControlMessage delete(String id) {
        return new ControlMessage("rule", id, 0, 0, null, true);
    }

    /** The engine as the user operator runs it: per user a state and a map of buckets. */
    static final class Engine implements AutoCloseable {
        final RulesEngine engine = new RulesEngine(CONFIG);
        final Map<String, Rule> rules = new java.util.TreeMap<>();
        final Map<String, RulesEngine.State> states = new HashMap<>();
        final Map<String, Map<Long, byte[]>> buckets = new HashMap<>();
        final List<Alert> out = new ArrayList<>();
        long watermark = Long.MIN_VALUE;
        int late;
        int tooOld;
        RulesEngine.RuleSet set = RulesEngine.RuleSet.of(List.of(), 3_600_000);

        void control(ControlMessage m) {
            if (m.deleted()) {
                rules.remove(m.id());
            } else {
                Rule r = Rule.parse(m.id(), m.version(), m.payload());
                rules.put(m.id(), r);
            }
            set =
                    RulesEngine.RuleSet.of(
                            rules.values().stream().filter(Rule::enabled).toList(),
                            CONFIG.anomaly().rulesHistory().toMillis());
        }

        RulesEngine.BucketStore store(String user) {
            Map<Long, byte[]> m = buckets.computeIfAbsent(user, u -> new HashMap<>());
            return new RulesEngine.BucketStore() {
                @Override
                public byte[] get(long start) {
                    return m.get(start);
                }

                @Override
                public void put(long start, byte[] digests) {
                    m.put(start, digests);
                }

                @Override
                public void remove(long start) {
                    m.remove(start);
                }
            };
        }

        void send(Event e) throws Exception {
            RulesEngine.State st = states.computeIfAbsent(e.userId(), u -> new RulesEngine.State());
            engine.apply(
                    st,
                    store(e.userId()),
                    set,
                    e,
                    watermark,
                    0,
                    new RulesEngine.Counters() {
                        @Override
                        public void tooOld() {
                            tooOld++;
                        }

                        @Override
                        public void late() {
                            late++;
                        }

                        @Override
                        public void fired() {}
                    },
                    out::add);
            // Stored and read back as the user operator does at every flush.
            io.portrait.common.Wire.Out w = new io.portrait.common.Wire.Out(64);
            st.write(w);
            states.put(
                    e.userId(),
                    RulesEngine.State.read(new io.portrait.common.Wire.In(w.toByteArray())));
        }

        int accs(String user) {
            RulesEngine.State st = states.get(user);
            return st == null ? 0 : st.accs.size();
        }

        @Override
        public void close() {}
    }

    static Engine harness() {
        return new Engine();
    }

    static Enriched in(Event e) {
        return new Enriched(e, 0, Double.NaN, Double.NaN);
    }

    static Event purchase(String user, String id, long ts, long minor, String category) {
        return TestEvents.at(user, id, EventType.PURCHASE, ts)
                .order(id)
                .amount(minor)
                .category(category)
                .build();
    }

    static List<String> ruleIds(List<Alert> alerts) {
        return alerts.stream().map(a -> a.rule() + "@" + a.ruleVersion()).toList();
    }

    @Test
    void countFiresOnCrossingOverAnExactSlidingWindow() throws Exception {
        try (var h = harness()) {
            h.control(
                    rule(
                            "fast_purchases",
                            1,
                            "{\"filter\":{\"types\":[\"purchase\"]},\"aggregate\":{\"fn\":\"count\"},"
                                    + "\"window\":\"PT1M\",\"threshold\":3,\"severity\":\"high\"}"));
            long[] at = {0, 30, 61, 70, 80, 200, 201, 202};
            for (int i = 0; i < at.length; i++) {
                h.send(purchase("u", "p" + i, T0 + at[i] * S, 500, "x"));
                // a view in between never counts
                h.send(TestEvents.event("u", "v" + i, EventType.VIEW, T0 + at[i] * S + 1));
            }
            List<Alert> alerts = h.out;
            // 0 s leaves the window at 60 s: 30, 61, 70 is the first crossing; 80 stays above;
            // 200 falls below; 200, 201, 202 cross again.
            assertThat(alerts).hasSize(2);
            assertThat(alerts.get(0).eventIds()).containsExactly("p1", "p2", "p3");
            assertThat(alerts.get(1).eventIds()).containsExactly("p5", "p6", "p7");
            Alert a = alerts.get(0);
            assertThat(a.rule()).isEqualTo("fast_purchases");
            assertThat(a.severity()).isEqualTo("high");
            assertThat(a.ts()).isEqualTo(T0 + 70 * S);
            JsonNode d = JSON.readTree(a.detailsJson());
            assertThat(d.get("value").asDouble()).isEqualTo(3.0);
            assertThat(d.get("threshold").asDouble()).isEqualTo(3.0);
            assertThat(d.get("window_s").asDouble()).isEqualTo(60.0);
            assertThat(d.get("types").toString()).isEqualTo("[\"purchase\"]");
            assertThat(a.alertId())
                    .isEqualTo(Alert.id("fast_purchases", 1, "u", new String[] {"p3", "p1", "p2"}));
        }
    }

    @Test
    void sumHonoursCategoriesAndMinimumAmount() throws Exception {
        try (var h = harness()) {
            h.control(
                    rule(
                            "gift_spend",
                            1,
                            "{\"filter\":{\"types\":[\"purchase\"],\"categories\":[\"gift\"],"
                                    + "\"min_amount\":50},\"aggregate\":{\"fn\":\"sum\","
                                    + "\"field\":\"amount\"},\"window\":\"PT1H\",\"threshold\":200}"));
            h.send(purchase("u", "a", T0, 6_000, "gift"));
            h.send(purchase("u", "b", T0 + S, 4_999, "gift")); // < min
            h.send(purchase("u", "c", T0 + 2 * S, 90_000, "books")); // category
            h.send(purchase("u", "d", T0 + 3 * S, 8_000, "gift")); // 140
            assertThat(h.out).isEmpty();
            h.send(purchase("u", "e", T0 + 4 * S, 6_000, "gift")); // 200
            List<Alert> alerts = h.out;
            assertThat(alerts).hasSize(1);
            assertThat(alerts.get(0).eventIds()).containsExactly("a", "d", "e");
            JsonNode d = JSON.readTree(alerts.get(0).detailsJson());
            assertThat(d.get("value").asDouble()).isEqualTo(200.0);
            assertThat(d.get("min_amount").asDouble()).isEqualTo(50.0);
            assertThat(alerts.get(0).severity()).isEqualTo("medium");
        }
    }

    @Test
    void distinctCountsEachValueOnceAndForgetsItWhenItLeavesTheWindow() throws Exception {
        try (var h = harness()) {
            h.control(
                    rule(
                            "many_devices",
                            3,
                            "{\"filter\":{\"types\":[\"login\"]},\"aggregate\":{\"fn\":\"distinct\","
                                    + "\"field\":\"device\"},\"window\":\"PT10M\",\"threshold\":3}"));
            String[] devices = {"d1", "d1", "d2", "d1", "d2"};
            for (int i = 0; i < devices.length; i++) {
                h.send(
                        TestEvents.at("u", "l" + i, EventType.LOGIN, T0 + i * 60 * S)
                                .device(devices[i])
                                .build());
            }
            assertThat(h.out).isEmpty();
            // 11 min after the first: d1 of minute 0 and 1 left, d1 of minute 3 remains.
            h.send(
                    TestEvents.at("u", "l5", EventType.LOGIN, T0 + 11 * 60 * S)
                            .device("d3")
                            .build());
            List<Alert> alerts = h.out;
            assertThat(alerts).hasSize(1);
            assertThat(ruleIds(alerts)).containsExactly("many_devices@3");
            assertThat(JSON.readTree(alerts.get(0).detailsJson()).get("value").asDouble())
                    .isEqualTo(3.0);
        }
    }

    @Test
    void rulesAreAddedEditedAndDeletedWhileEventsFlow() throws Exception {
        try (var h = harness()) {
            String views = "{\"filter\":{\"types\":[\"view\"]},\"aggregate\":{\"fn\":\"count\"},";
            // Ten views before any rule exists: they are bucketed all the same.
            for (int i = 0; i < 10; i++) {
                h.send(TestEvents.event("u", "v" + i, EventType.VIEW, T0 + i * S));
            }
            h.control(rule("view_flood", 1, views + "\"window\":\"PT10M\",\"threshold\":11}"));
            // The 11th view crosses at once: the new rule saw the ten before it.
            h.send(TestEvents.event("u", "v10", EventType.VIEW, T0 + 10 * S));
            assertThat(ruleIds(h.out)).containsExactly("view_flood@1");

            // Edit: a higher threshold, a new version; the aggregate is rebuilt from history.
            h.control(rule("view_flood", 2, views + "\"window\":\"PT10M\",\"threshold\":13}"));
            h.send(TestEvents.event("u", "v11", EventType.VIEW, T0 + 11 * S));
            assertThat(h.out).hasSize(1); // 12 < 13
            h.send(TestEvents.event("u", "v12", EventType.VIEW, T0 + 12 * S));
            assertThat(ruleIds(h.out)).containsExactly("view_flood@1", "view_flood@2");
            assertThat(h.accs("u")).isEqualTo(1);

            // Delete: no more alerts; the aggregate goes the next time the user is seen.
            h.control(delete("view_flood"));
            h.control(rule("other", 1, views + "\"window\":\"PT1M\",\"threshold\":1000}"));
            h.send(TestEvents.event("u", "v13", EventType.VIEW, T0 + 13 * S));
            assertThat(h.out).hasSize(2);
            // Only "other" remains for u (one key with aggregates; we check the rule by firing).
            h.control(delete("other"));
            h.send(TestEvents.event("u", "v14", EventType.VIEW, T0 + 14 * S));
            assertThat(h.accs("u")).isZero();
            // Disabled counts as deleted.
            h.control(
                    rule(
                            "view_flood",
                            3,
                            views + "\"window\":\"PT10M\",\"threshold\":1,\"enabled\":false}"));
            h.send(TestEvents.event("u", "v15", EventType.VIEW, T0 + 15 * S));
            assertThat(h.out).hasSize(2);
        }
    }

    @Test
    void lateEventsInsideTheWindowCountAndEventsOlderThanTheHistoryAreSkipped() throws Exception {
        try (var h = harness()) {
            h.control(
                    rule(
                            "refunds",
                            1,
                            "{\"filter\":{\"types\":[\"refund\"]},\"aggregate\":{\"fn\":\"count\"},"
                                    + "\"window\":\"PT5M\",\"threshold\":3}"));
            h.send(TestEvents.refund("u", "r1", T0 + 240 * S, 100));
            h.watermark = T0 + 230 * S;
            h.send(TestEvents.refund("u", "r2", T0 + 100 * S, 100)); // late
            // Older than the 1 h history behind the newest event: skipped, never counted.
            h.send(TestEvents.refund("u", "r0", T0 - 3_600 * S, 100));
            assertThat(h.out).isEmpty();
            h.send(TestEvents.refund("u", "r3", T0 + 200 * S, 100)); // late
            List<Alert> alerts = h.out;
            assertThat(alerts).hasSize(1);
            assertThat(alerts.get(0).eventIds()).containsExactlyInAnyOrder("r1", "r2", "r3");
            assertThat(alerts.get(0).ts()).isEqualTo(T0 + 240 * S);
        }
    }

    @Test
    void everythingIsSpentOnceTheUserIsQuietPastTheLongerOfWindowAndHistory() throws Exception {
        try (var h = harness()) {
            h.control(
                    rule(
                            "long",
                            1,
                            "{\"aggregate\":{\"fn\":\"count\"},\"window\":\"PT2H\",\"threshold\":100}"));
            h.send(TestEvents.event("a", "a1", EventType.VIEW, T0));
            RulesEngine.State st = h.states.get("a");
            assertThat(h.buckets.get("a")).hasSize(1);
            // The longest window in force (2 h) beats the 1 h history: still kept at 1.5 h.
            assertThat(RulesEngine.spent(st, h.set, T0 + 90 * 60 * S)).isFalse();
            assertThat(RulesEngine.spent(st, h.set, T0 + 2 * 3_600 * S)).isTrue();
            RulesEngine.clear(st, h.store("a"));
            assertThat(h.buckets.get("a")).isEmpty();
            assertThat(st.isEmpty()).isTrue();
        }
    }

    @Test
    void invalidRulesSayWhatToFix() {
        assertThatThrownBy(() -> Rule.parse("card_testing", 1, "{}"))
                .hasMessageContaining("built-in");
        assertThatThrownBy(
                        () ->
                                Rule.parse(
                                        "r",
                                        1,
                                        "{\"aggregate\":{\"fn\":\"avg\"},\"window\":\"PT1M\","
                                                + "\"threshold\":1}"))
                .hasMessageContaining("aggregate.fn must be count, sum or distinct");
        assertThatThrownBy(
                        () ->
                                Rule.parse(
                                        "r",
                                        1,
                                        "{\"aggregate\":{\"fn\":\"distinct\",\"field\":\"color\"},"
                                                + "\"window\":\"PT1M\",\"threshold\":1}"))
                .hasMessageContaining("aggregate.field of distinct must be one of");
        assertThatThrownBy(
                        () ->
                                Rule.parse(
                                        "r",
                                        1,
                                        "{\"aggregate\":{\"fn\":\"count\"},\"window\":\"1 minute\","
                                                + "\"threshold\":1}"))
                .hasMessageContaining("ISO-8601");
        assertThatThrownBy(
                        () ->
                                Rule.parse(
                                        "r",
                                        1,
                                        "{\"filter\":{\"types\":[\"teleport\"]},\"aggregate\":{"
                                                + "\"fn\":\"count\"},\"window\":\"PT1M\","
                                                + "\"threshold\":1}"))
                .hasMessageContaining("unknown event type 'teleport'");
        assertThatThrownBy(
                        () ->
                                Rule.parse(
                                        "r",
                                        1,
                                        "{\"aggregate\":{\"fn\":\"count\"},\"window\":\"PT1M\","
                                                + "\"threshold\":0}"))
                .hasMessageContaining("threshold must be a number > 0");
        assertThatThrownBy(
                        () ->
                                Rule.parse(
                                        "r",
                                        1,
                                        "{\"aggregate\":{\"fn\":\"count\"},\"window\":\"P40D\","
                                                + "\"threshold\":1}"))
                .hasMessageContaining("window must be > 0 and <=");
    }

    // ---- The incremental engine against a brute-force recomputation ----

    record RuleDef(
            String id,
            String payload,
            String fn,
            String field,
            Set<EventType> types,
            Set<String> categories,
            long minMinor,
            long windowMillis,
            double threshold) {}

    static final List<RuleDef> DEFS =
            List.of(
                    new RuleDef(
                            "c_purchases",
                            "{\"filter\":{\"types\":[\"purchase\",\"add_to_cart\"]},"
                                    + "\"aggregate\":{\"fn\":\"count\"},\"window\":\"PT2M\","
                                    + "\"threshold\":4}",
                            "count",
                            null,
                            Set.of(EventType.PURCHASE, EventType.ADD_TO_CART),
                            Set.of(),
                            -1,
                            120_000,
                            4),
                    new RuleDef(
                            "s_big",
                            "{\"filter\":{\"types\":[\"purchase\"],\"categories\":[\"c1\",\"c2\"],"
                                    + "\"min_amount\":20},\"aggregate\":{\"fn\":\"sum\"},"
                                    + "\"window\":\"PT5M\",\"threshold\":150}",
                            "sum",
                            null,
                            Set.of(EventType.PURCHASE),
                            Set.of("c1", "c2"),
                            2_000,
                            300_000,
                            150),
                    new RuleDef(
                            "d_items",
                            "{\"filter\":{\"types\":[\"view\",\"click\"]},\"aggregate\":{\"fn\":"
                                    + "\"distinct\",\"field\":\"category\"},\"window\":\"PT90S\","
                                    + "\"threshold\":3}",
                            "distinct",
                            "category",
                            Set.of(EventType.VIEW, EventType.CLICK),
                            Set.of(),
                            -1,
                            90_000,
                            3),
                    new RuleDef(
                            "c_all",
                            "{\"aggregate\":{\"fn\":\"count\"},\"window\":\"PT30S\","
                                    + "\"threshold\":6}",
                            "count",
                            null,
                            Set.of(EventType.values()),
                            Set.of(),
                            -1,
                            30_000,
                            6));

    /** A straightforward reference: every event kept, every aggregate recomputed. */
    static final class BruteForce {
        final Map<String, List<Event>> events = new HashMap<>();
        final Map<String, Long> newest = new HashMap<>();
        final Map<String, Boolean> above = new HashMap<>();
        final List<String> alerts = new ArrayList<>();

        void on(Event e, Map<String, Long> inForce) {
            long n = Math.max(newest.getOrDefault(e.userId(), Long.MIN_VALUE), e.ts());
            if (e.ts() <= n - 3_600_000) {
                return;
            }
            newest.put(e.userId(), n);
            events.computeIfAbsent(e.userId(), u -> new ArrayList<>()).add(e);
            for (RuleDef r : DEFS) {
                Long version = inForce.get(r.id());
                if (version == null) {
                    continue;
                }
                double value = 0;
                long sum = 0;
                Set<String> distinct = new HashSet<>();
                for (Event x : events.get(e.userId())) {
                    boolean match =
                            x.ts() > n - r.windowMillis()
                                    && r.types().contains(x.type())
                                    && (r.categories().isEmpty()
                                            || r.categories().contains(x.category()))
                                    && (r.minMinor() < 0
                                            || (x.amountMinor() != null
                                                    && x.amountMinor() >= r.minMinor()));
                    if (match) {
                        value++;
                        sum += x.amountMinor() == null ? 0 : x.amountMinor();
                        if (x.category() != null) {
                            distinct.add(x.category());
                        }
                    }
                }
                if (r.fn().equals("sum")) {
                    value = sum / 100.0;
                } else if (r.fn().equals("distinct")) {
                    value = distinct.size();
                }
                String key = e.userId() + "/" + r.id() + "@" + version;
                boolean was = above.getOrDefault(key, false);
                boolean is = value >= r.threshold();
                if (is && !was) {
                    alerts.add(e.userId() + " " + r.id() + "@" + version + " " + n + " " + value);
                }
                above.put(key, is);
            }
        }
    }

    @Test
    void incrementalAggregatesEqualABruteForceRecomputation() throws Exception {
        Random rnd = new Random(7);
        EventType[] types = {
            EventType.VIEW,
            EventType.CLICK,
            EventType.PURCHASE,
            EventType.ADD_TO_CART,
            EventType.LOGIN
        };
        BruteForce reference = new BruteForce();
        Map<String, Long> inForce = new HashMap<>();
        List<String> actual = new ArrayList<>();
        try (var h = harness()) {
            long[] clock = new long[3];
            for (int i = 0; i < 12_000; i++) {
                // Rules come and go while events flow.
                if (i % 500 == 0) {
                    RuleDef r = DEFS.get(rnd.nextInt(DEFS.size()));
                    if (inForce.containsKey(r.id()) && rnd.nextInt(3) == 0) {
                        inForce.remove(r.id());
                        h.control(delete(r.id()));
                    } else {
                        long version = inForce.getOrDefault(r.id(), (long) i) + 1;
                        inForce.put(r.id(), version);
                        h.control(rule(r.id(), version, r.payload()));
                    }
                }
                int u = rnd.nextInt(3);
                clock[u] += rnd.nextInt(4_000);
                long ts = T0 + clock[u] - rnd.nextInt(rnd.nextInt(10) == 0 ? 200_000 : 5_000);
                EventType t = types[rnd.nextInt(types.length)];
                var b = TestEvents.at("u" + u, "e" + i, t, ts).category("c" + rnd.nextInt(5));
                if (t == EventType.PURCHASE || t == EventType.ADD_TO_CART) {
                    b.amount(100 + rnd.nextInt(6_000));
                }
                Event e = b.build();
                reference.on(e, inForce);
                h.send(e);
                for (Alert a : h.out.subList(actual.size(), h.out.size())) {
                    actual.add(
                            a.userId()
                                    + " "
                                    + a.rule()
                                    + "@"
                                    + a.ruleVersion()
                                    + " "
                                    + a.ts()
                                    + " "
                                    + JSON.readTree(a.detailsJson()).get("value").asDouble());
                }
            }
        }
        assertThat(actual).isEqualTo(reference.alerts);
        assertThat(reference.alerts).hasSizeGreaterThan(50);
    }
}
