package io.portrait.recommend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The recommendation state at its hard bounds with the defaults (5 recent items, 30 candidates, 64
 * touched items, top 10), serialized as Flink stores it, with 10-character item ids (Taobao's are
 * 6–7 digits): the worst case per user and per item. The bounds are what keeps it so.
 */
class RecommendStateBudgetTest {

    static <T> int bytes(Class<T> type, T value) throws Exception {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<T> s = TypeInformation.of(type).createSerializer(config);
        DataOutputSerializer out = new DataOutputSerializer(1024);
        s.serialize(value, out);
        return out.length();
    }

    static String id(int i) {
        return String.format("%010d", 1_000_000 + i);
    }

    @Test
    void perUserAndPerItemStateAtTheBounds() throws Exception {
        PortraitConfig.Recommend r = PortraitConfig.defaults().recommend();
        RecentItemsState recent = new RecentItemsState();
        recent.items = new String[r.recentItems()];
        recent.weights = new double[r.recentItems()];
        recent.ts = new long[r.recentItems()];
        for (int i = 0; i < r.recentItems(); i++) {
            recent.items[i] = id(i);
        }
        RecommenderState user = new RecommenderState();
        int c = r.candidates();
        user.items = new String[c];
        user.scores = new float[c];
        user.best = new float[c];
        user.because = new String[c];
        user.actions = new byte[c];
        for (int i = 0; i < c; i++) {
            user.items[i] = id(100 + i);
            user.because[i] = id(i % r.recentItems());
            user.actions[i] = Recommender.action("add_to_cart");
        }
        user.touched = new int[r.touchedMemory()];
        RecommendationPart shown = Recommender.top(user, r.topN());

        ItemNeighboursState item = new ItemNeighboursState();
        item.items = new String[c];
        item.co = new double[c];
        item.counts = new double[c];
        item.ts = new long[c];
        for (int i = 0; i < c; i++) {
            item.items[i] = id(200 + i);
        }

        int perUser =
                bytes(RecentItemsState.class, recent)
                        + bytes(RecommenderState.class, user)
                        + bytes(RecommendationPart.class, shown);
        int perItem =
                bytes(ItemNeighboursState.class, item) + bytes(ItemCount.class, new ItemCount());
        System.out.printf(
                "recommendation state at the bounds: recent items %d B + recommender %d B +"
                        + " stored list %d B = %d B per user; neighbours %d B + count %d B ="
                        + " %d B per item%n",
                bytes(RecentItemsState.class, recent),
                bytes(RecommenderState.class, user),
                bytes(RecommendationPart.class, shown),
                perUser,
                bytes(ItemNeighboursState.class, item),
                bytes(ItemCount.class, new ItemCount()),
                perItem);
        assertThat(perUser).isLessThan(2_560);
        assertThat(perItem).isLessThan(1_200);
    }
}
