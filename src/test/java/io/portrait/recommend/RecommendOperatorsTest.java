package io.portrait.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.testing.Harnesses;
import io.portrait.testing.TestEvents;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The recommendation operators in Flink's harness on RocksDB: what each emits, and that every piece
 * of state stays within its hard bound and goes with erase or its TTL.
 */
class RecommendOperatorsTest {
    static final long T0 = 1_764_000_000_000L;
    static final long DAY = 86_400_000L;

    static PortraitConfig config() {
        return PortraitConfig.defaults()
                .with(
                        Map.of(
                                "portrait.recommend.recent-items", "5",
                                "portrait.recommend.candidates", "5",
                                "portrait.recommend.neighbours", "4",
                                "portrait.recommend.top-n", "3",
                                "portrait.recommend.touched-memory", "8"));
    }

    static Event view(String user, String item, long ts) {
        return TestEvents.at(user, item + "@" + ts, EventType.VIEW, ts).item(item).build();
    }

    static <K, IN, OUT, S> S value(
            KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> h, K key, ValueStateDescriptor<S> d)
            throws Exception {
        var backend = h.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(key);
        return backend.getPartitionedState(
                        VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, d)
                .value();
    }

    static long count(List<ItemSignal> out, byte kind) {
        return out.stream().filter(s -> s.kind == kind).count();
    }

    @Test
    void recentItemsPairWithinTheWindowKeepABoundedListAndGoWithErase() throws Exception {
        try (var h =
                Harnesses.keyed(
                        new RecentItems(config()), Event::userId, Harnesses.rocksDb(), null)) {
            for (int i = 0; i < 12; i++) {
                h.processElement(view("u1", "i" + i, T0 + i * 1000L), T0);
            }
            List<ItemSignal> out = h.extractOutputValues();
            assertThat(count(out, ItemSignal.OCCURRENCE)).isEqualTo(12);
            assertThat(count(out, ItemSignal.LOOKUP)).isEqualTo(12);
            // Pairs: 0, 1, 2, 3, 4 recent items, then 5 (the bound) for each later event; both
            // ways.
            assertThat(count(out, ItemSignal.PAIR)).isEqualTo(2 * (0 + 1 + 2 + 3 + 4 + 5 * 7));
            assertThat(value(h, "u1", RecentItems.state()).items)
                    .containsExactly("i7", "i8", "i9", "i10", "i11");

            // Outside the co-occurrence window (1 d): no pairs; a bot-flagged event or one without
            // an item: nothing at all.
            h.processElement(view("u1", "late", T0 + 5 * DAY), T0);
            assertThat(count(h.extractOutputValues(), ItemSignal.PAIR)).isEqualTo(2 * (10 + 35));
            int before = h.extractOutputValues().size();
            h.processElement(
                    TestEvents.at("u1", "b", EventType.VIEW, T0 + 5 * DAY).item("x").bot().build(),
                    T0);
            h.processElement(TestEvents.at("u1", "n", EventType.VIEW, T0 + 5 * DAY).build(), T0);
            assertThat(h.extractOutputValues()).hasSize(before);

            h.processElement(
                    TestEvents.at("u1", "erase", EventType.ERASE, T0 + 5 * DAY).build(), T0);
            assertThat(Harnesses.keysWithState(h, "recent-items")).isZero();
            assertThat(h.getSideOutput(RecentItems.ERASE)).hasSize(1);
            assertThat(h.numEventTimeTimers()).isZero();

            // Inactivity past the user TTL (30 d) forgets the user too.
            h.processElement(view("u2", "a", T0), T0);
            h.processWatermark(T0 + 32 * DAY);
            assertThat(Harnesses.keysWithState(h, "recent-items")).isZero();
            assertThat(h.getSideOutput(RecentItems.ERASE)).hasSize(2);
        }
    }

    static ItemSignal pair(String item, String other, double w, double otherCount, long ts) {
        ItemSignal s = ItemSignal.pair(item, other, w, ts);
        s.count = otherCount;
        return s;
    }

    static ItemSignal occurrence(String item, double count, long ts) {
        ItemSignal s = ItemSignal.occurrence(item, 1, ts);
        s.count = count;
        return s;
    }

    @Test
    void itemNeighboursAreBoundedRankedByCosineAndExpire() throws Exception {
        try (var h =
                Harnesses.keyed(
                        new ItemNeighbours(config()),
                        ItemSignal::getItem,
                        Harnesses.rocksDb(),
                        null)) {
            h.processElement(occurrence("a", 10, T0), T0);
            // Seven candidates with co-occurrence 1..7 and the same count: the bound keeps 5.
            for (int k = 1; k <= 7; k++) {
                h.processElement(pair("a", "c" + k, k, 10, T0), T0);
            }
            ItemNeighboursState s = value(h, "a", ItemNeighbours.state());
            assertThat(s.items).hasSize(5).contains("c7", "c6", "c5").doesNotContain("c1");
            // Dampening: equal co-occurrence with a niche item and a best-seller.
            h.processElement(pair("a", "niche", 8, 8, T0), T0);
            h.processElement(pair("a", "bestseller", 8, 5_000, T0), T0);
            h.processElement(ItemSignal.lookup("a", "u1", 1, T0 + 1, "view"), T0);
            NeighbourList n = h.extractOutputValues().get(0);
            assertThat(n.userId).isEqualTo("u1");
            assertThat(n.neighbours).hasSize(4);
            assertThat(n.neighbours[0]).isEqualTo("niche");
            assertThat(n.similarities).isSortedAccordingTo((x, y) -> Double.compare(y, x));
            assertThat(List.of(n.neighbours).indexOf("bestseller"))
                    .as("the best-seller ranks below items with less co-occurrence")
                    .isIn(-1, 3);

            // An unknown item: an empty list for the user, and no state made.
            h.processElement(ItemSignal.lookup("zzz", "u1", 1, T0, "view"), T0);
            assertThat(h.extractOutputValues().get(1).neighbours).isEmpty();
            assertThat(Harnesses.keysWithState(h, "item-neighbours")).isOne();

            h.processWatermark(T0 + 40 * DAY);
            assertThat(Harnesses.keysWithState(h, "item-neighbours")).isZero();
        }
    }

    static NeighbourList list(
            String user, String item, String action, double w, long ts, Object... ns) {
        NeighbourList n = new NeighbourList();
        n.userId = user;
        n.item = item;
        n.action = action;
        n.weight = w;
        n.ts = ts;
        n.neighbours = new String[ns.length / 2];
        n.similarities = new double[ns.length / 2];
        for (int i = 0; i < ns.length / 2; i++) {
            n.neighbours[i] = (String) ns[2 * i];
            n.similarities[i] = (Double) ns[2 * i + 1];
        }
        return n;
    }

    @Test
    void theRecommenderExcludesWhatTheUserTouchedStaysBoundedAndNamesItsReason() throws Exception {
        try (var h =
                Harnesses.keyed(
                        new Recommender(config()),
                        NeighbourList::getUserId,
                        Harnesses.rocksDb(),
                        null)) {
            h.processElement(list("u1", "x", "view", 1, T0, "y", 0.9, "z", 0.5, "b", 0.4), T0);
            List<RecommendationPart> out = sent(h);
            assertThat(out.get(0).items).containsExactly("y", "z", "b");
            assertThat(out.get(0).because).containsOnly("x");
            assertThat(out.get(0).actions).containsOnly("view");

            // The user buys b: b is never recommended again, even as another item's neighbour.
            h.processElement(list("u1", "b", "purchase", 8, T0 + 1, "w", 0.1), T0);
            h.processElement(list("u1", "q", "view", 1, T0 + 2, "b", 0.99, "v", 0.2), T0);
            RecommendationPart last = sent(h).get(sent(h).size() - 1);
            assertThat(last.items).doesNotContain("b", "x", "q");
            // w came from a purchase (weight 8 × 0.1 = 0.8): it ranks above z (0.5).
            assertThat(last.items).startsWith("y", "w");
            assertThat(last.because[1]).isEqualTo("b");
            assertThat(last.actions[1]).isEqualTo("purchase");

            // The same list again changes no ranking: nothing is sent.
            int sent = sent(h).size();
            h.processElement(list("u1", "q", "view", 1, T0 + 2, "b", 0.99, "v", 0.2), T0);
            assertThat(sent(h)).hasSize(sent);

            // Many neighbours at once: candidates and the touched memory stay within their bounds.
            Object[] many = new Object[80];
            for (int i = 0; i < 40; i++) {
                many[2 * i] = "m" + i;
                many[2 * i + 1] = 0.01 * (i + 1);
            }
            h.processElement(list("u1", "big", "view", 1, T0 + 3, many), T0);
            for (int i = 0; i < 20; i++) {
                h.processElement(list("u1", "t" + i, "view", 1, T0 + 4 + i), T0);
            }
            RecommenderState s = value(h, "u1", Recommender.state());
            assertThat(s.items.length).isLessThanOrEqualTo(5);
            assertThat(s.touched.length).isLessThanOrEqualTo(8);
            assertThat(sent(h)).allSatisfy(p -> assertThat(p.items.length).isLessThanOrEqualTo(3));

            h.processElement(NeighbourList.erase("u1", T0 + 100), T0);
            int afterErase = sent(h).size();
            // A list of an event from before the erase, still on its way: dropped.
            h.processElement(list("u1", "old", "view", 1, T0 + 50, "o1", 0.9), T0);
            assertThat(sent(h)).hasSize(afterErase);
            assertThat(value(h, "u1", Recommender.state()).items).isEmpty();
            // The marker goes a day (event time) later.
            h.processWatermark(T0 + 100 + DAY);
            assertThat(Harnesses.keysWithState(h, "recommender")).isZero();
            // A user who comes back after an erase gets lists again.
            h.processElement(NeighbourList.erase("u2", T0), T0);
            h.processElement(list("u2", "new", "view", 1, T0 + 1, "n1", 0.9), T0);
            assertThat(sent(h).get(sent(h).size() - 1).items).containsExactly("n1");
        }
    }

    /**
     * The lists the recommender sent: one patch of the stored document's recommendations group per
     * list, naming its items in order, and the same list on the recommendation log.
     */
    static List<RecommendationPart> sent(
            org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness<
                            String, NeighbourList, io.portrait.profile.ProfileRecord>
                    h) {
        List<io.portrait.profile.ProfileRecord> patches = h.extractOutputValues();
        List<RecommendationPart> parts = new java.util.ArrayList<>();
        var log = h.getSideOutput(Recommender.LOG);
        if (log != null) {
            log.forEach(r -> parts.add(r.getValue().part));
        }
        assertThat(patches).hasSameSizeAs(parts);
        for (int i = 0; i < parts.size(); i++) {
            assertThat(patches.get(i).recommendations()).isTrue();
            assertThat(patches.get(i).json()).isEqualTo(RecommendationJson.of(parts.get(i)));
        }
        return parts;
    }
}
