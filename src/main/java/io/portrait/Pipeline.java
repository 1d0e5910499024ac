package io.portrait;

import io.portrait.anomaly.Alert;
import io.portrait.anomaly.Anomalies;
import io.portrait.anomaly.Enriched;
import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.ControlRecord;
import io.portrait.control.RouteControl;
import io.portrait.event.DeadLetter;
import io.portrait.event.Event;
import io.portrait.event.Ingested;
import io.portrait.ingest.RouteDeadLetters;
import io.portrait.profile.ProfileChange;
import io.portrait.profile.ProfileRecord;
import io.portrait.recommend.ItemCounts;
import io.portrait.recommend.ItemNeighbours;
import io.portrait.recommend.ItemSignal;
import io.portrait.recommend.NeighbourList;
import io.portrait.recommend.RecentItems;
import io.portrait.recommend.RecommendationLog;
import io.portrait.recommend.Recommender;
import io.portrait.segment.CentroidAggregator;
import io.portrait.segment.SegmentModel;
import io.portrait.user.UserInput;
import io.portrait.user.UserOperator;
import io.portrait.user.UserOutputs;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The topology of portrait, free of connectors: parsed input, control records and the CEP alerts
 * read back in; the streams that sinks need out. {@link PortraitJob} feeds it Kafka.
 *
 * <p>Every per-user concern runs in one keyed operator ({@link UserOperator}); what is global stays
 * global: the centroid aggregator (one task, fed pre-aggregated deltas) and the item graph of the
 * recommendations (keyed by item). CEP runs chained behind the user operator on the same key, on
 * the few events its patterns use; its raw matches leave through {@link Outputs#cepAlerts()} and
 * come back as {@code cepAlerts} through a Kafka topic (an external loop, never a cycle in the
 * graph), so the user operator suppresses them, adds them to the risk and publishes them like every
 * other alert.
 */
public final class Pipeline {
    /** The user operator's uid: every user's state is filed under it in a savepoint. */
    static final String USER_OPERATOR_UID = "user-operator";

    private Pipeline() {}

    /** Key groups of the keyed operators: the most subtasks the job can ever be rescaled to. */
    public static final int MAX_PARALLELISM = 512;

    /**
     * What the topology produces ({@code segmentModels} is null when segments are off, {@code
     * recommendations} and {@code recommendationLog} when recommendations are, {@code cepAlerts}
     * when anomalies are). {@code profiles} come straight from the user operator, so their sink
     * chains to it; recommendation lists have a sink of their own.
     */
    public record Outputs(
            DataStream<ProfileRecord> profiles,
            DataStream<DeadLetter> deadLetters,
            DataStream<DeadLetter> controlDeadLetters,
            DataStream<Alert> alerts,
            DataStream<Alert> cepAlerts,
            DataStream<ProfileChange> changes,
            DataStream<SegmentModel> segmentModels,
            DataStream<ProfileRecord> recommendations,
            DataStream<RecommendationLog> recommendationLog) {}

    /**
     * @param ingested parsed input with timestamps and watermarks assigned (see IngestWatermarks)
     * @param control parsed control records whose watermark is the end of time (ControlWatermarks)
     * @param cepAlerts CEP's matches read back from the loop topic, watermark at the end of time;
     *     null without the loop (CEP's matches then only leave through {@link Outputs#cepAlerts()})
     */
    public static Outputs build(
            DataStream<Ingested> ingested,
            DataStream<ControlRecord> control,
            DataStream<Alert> cepAlerts,
            PortraitConfig config) {
        SingleOutputStreamOperator<Event> events =
                ingested.process(new RouteDeadLetters())
                        .uid("route-dead-letters")
                        .name("Route dead letters");

        SingleOutputStreamOperator<ControlMessage> controlMessages =
                control.process(new RouteControl()).uid("route-control").name("Validate control");

        DataStream<UserInput> input =
                events.map(UserInput::of)
                        .returns(UserInput.class)
                        .uid("user-input-events")
                        .name("Events in");
        if (cepAlerts != null) {
            input =
                    input.union(
                            cepAlerts
                                    .map(UserInput::of)
                                    .returns(UserInput.class)
                                    .uid("user-input-cep-alerts")
                                    .name("CEP alerts in"));
        }
        SingleOutputStreamOperator<ProfileRecord> users =
                input.keyBy(UserInput::userId)
                        .connect(controlMessages.broadcast())
                        .transform(
                                "User operator",
                                TypeInformation.of(ProfileRecord.class),
                                new UserOperator(config))
                        .uid(USER_OPERATOR_UID)
                        .setMaxParallelism(MAX_PARALLELISM);

        DataStream<Alert> cepRaw = null;
        if (config.anomaly().enabled()) {
            cepRaw =
                    Anomalies.detect(
                            DataStreamUtils.reinterpretAsKeyedStream(
                                    users.getSideOutput(UserOutputs.ENRICHED),
                                    (Enriched e) -> e.event().userId()),
                            config);
        }

        // Online segments and their model loop: deltas to one aggregator task, models back
        // through the control topic.
        SingleOutputStreamOperator<SegmentModel> models = null;
        if (config.segments().enabled()) {
            models =
                    users.getSideOutput(UserOutputs.CLUSTER_DELTAS)
                            .keyBy(delta -> 0)
                            .process(new CentroidAggregator(config))
                            .uid("centroid-aggregator")
                            .name("Centroid aggregator")
                            .setParallelism(1)
                            .setMaxParallelism(1);
        }

        // Recommendations: user → item counts → item neighbours → user; the lists go to Redis
        // under their own keys, and readers show them in the profile.
        SingleOutputStreamOperator<ProfileRecord> recommendations = null;
        DataStream<RecommendationLog> recommendationLog = null;
        if (config.recommend().enabled()) {
            SingleOutputStreamOperator<ItemSignal> signals =
                    DataStreamUtils.reinterpretAsKeyedStream(
                                    users.getSideOutput(UserOutputs.CHECKED), Event::userId)
                            .process(new RecentItems(config))
                            .uid("recommend-recent-items")
                            .name("Recent items");
            SingleOutputStreamOperator<NeighbourList> neighbours =
                    signals.keyBy(ItemSignal::getItem)
                            .process(new ItemCounts(config))
                            .uid("recommend-item-counts")
                            .name("Item counts")
                            .keyBy(ItemSignal::getItem)
                            .process(new ItemNeighbours(config))
                            .uid("recommend-item-neighbours")
                            .name("Item neighbours");
            recommendations =
                    neighbours
                            .union(signals.getSideOutput(RecentItems.ERASE))
                            .keyBy(NeighbourList::getUserId)
                            .process(new Recommender(config))
                            .uid("recommend-users")
                            .name("Recommender");
            recommendationLog = recommendations.getSideOutput(Recommender.LOG);
        }

        return new Outputs(
                users,
                events.getSideOutput(RouteDeadLetters.DEAD_LETTERS),
                controlMessages.getSideOutput(RouteControl.DEAD_LETTERS),
                users.getSideOutput(UserOutputs.ALERTS),
                cepRaw,
                users.getSideOutput(UserOutputs.CHANGES),
                models,
                recommendations,
                recommendationLog);
    }
}
