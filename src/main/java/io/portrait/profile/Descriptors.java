package io.portrait.profile;

import io.portrait.anomaly.Alert;
import io.portrait.control.ControlMessage;
import io.portrait.event.DeadLetter;
import io.portrait.segment.AggregatorState;
import io.portrait.segment.ClusterDelta;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.util.OutputTag;

/**
 * Every state descriptor and output tag of the job in one place: the names are part of the
 * savepoint format, so they change only with a migration.
 */
public final class Descriptors {
    private Descriptors() {}

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeExtractor.getForClass(DeadLetter.class));

    public static final OutputTag<DeadLetter> CONTROL_DEAD_LETTERS =
            new OutputTag<>("control-dead-letters", TypeExtractor.getForClass(DeadLetter.class));

    public static final OutputTag<Alert> ALERTS =
            new OutputTag<>("alerts", TypeExtractor.getForClass(Alert.class));

    /** Events with the user's statistics from before them, for the anomaly patterns. */
    public static final OutputTag<io.portrait.anomaly.Enriched> ENRICHED =
            new OutputTag<>(
                    "enriched", TypeExtractor.getForClass(io.portrait.anomaly.Enriched.class));

    /** Accepted events after data quality (and erase events), for the recommendation stages. */
    public static final OutputTag<io.portrait.event.Event> CHECKED =
            new OutputTag<>(
                    "checked-events", TypeExtractor.getForClass(io.portrait.event.Event.class));

    public static final OutputTag<ProfileChange> CHANGES =
            new OutputTag<>("changes", TypeExtractor.getForClass(ProfileChange.class));

    public static final OutputTag<ClusterDelta> CLUSTER_DELTAS =
            new OutputTag<>("cluster-deltas", TypeExtractor.getForClass(ClusterDelta.class));

    /** Erase (or inactivity) from the recommendation stages' user side to the recommender. */
    public static final OutputTag<io.portrait.recommend.NeighbourList> RECOMMEND_ERASE =
            new OutputTag<>(
                    "recommend-erase",
                    TypeExtractor.getForClass(io.portrait.recommend.NeighbourList.class));

    /** Every recommendation list given, for the optional recommendation log topic. */
    public static final OutputTag<io.portrait.recommend.RecommendationLog> RECOMMENDATION_LOG =
            new OutputTag<>(
                    "recommendation-log",
                    TypeExtractor.getForClass(io.portrait.recommend.RecommendationLog.class));

    /** Broadcast state: the newest valid control message per key ({@code kind:id}). */
    public static final MapStateDescriptor<String, ControlMessage> CONTROL =
            new MapStateDescriptor<>(
                    "control", Types.STRING, TypeExtractor.getForClass(ControlMessage.class));

    public static ValueStateDescriptor<AggregatorState> aggregatorState() {
        return new ValueStateDescriptor<>(
                "centroid-aggregator", TypeExtractor.getForClass(AggregatorState.class));
    }

    public static ValueStateDescriptor<io.portrait.recommend.RecentItemsState> recentItems() {
        return new ValueStateDescriptor<>(
                "recent-items",
                TypeExtractor.getForClass(io.portrait.recommend.RecentItemsState.class));
    }

    public static ValueStateDescriptor<io.portrait.recommend.ItemCount> itemCount() {
        return new ValueStateDescriptor<>(
                "item-count", TypeExtractor.getForClass(io.portrait.recommend.ItemCount.class));
    }

    public static ValueStateDescriptor<io.portrait.recommend.ItemNeighboursState> itemNeighbours() {
        return new ValueStateDescriptor<>(
                "item-neighbours",
                TypeExtractor.getForClass(io.portrait.recommend.ItemNeighboursState.class));
    }

    public static ValueStateDescriptor<io.portrait.recommend.RecommenderState> recommender() {
        return new ValueStateDescriptor<>(
                "recommender",
                TypeExtractor.getForClass(io.portrait.recommend.RecommenderState.class));
    }
}
