package io.portrait;

import io.portrait.anomaly.Alert;
import io.portrait.anomaly.AlertSuppressor;
import io.portrait.anomaly.Anomalies;
import io.portrait.anomaly.Enriched;
import io.portrait.anomaly.RiskSignal;
import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlMessage;
import io.portrait.control.ControlRecord;
import io.portrait.control.RouteControl;
import io.portrait.event.DeadLetter;
import io.portrait.event.Event;
import io.portrait.event.Ingested;
import io.portrait.ingest.RouteDeadLetters;
import io.portrait.predict.ModelControlFunction;
import io.portrait.predict.PredictionOperator;
import io.portrait.profile.DeduplicateFunction;
import io.portrait.profile.Descriptors;
import io.portrait.profile.ProfileAssembler;
import io.portrait.profile.ProfileChange;
import io.portrait.profile.ProfileCoreFunction;
import io.portrait.profile.ProfilePart;
import io.portrait.profile.ProfileRecord;
import io.portrait.quality.DataQualityFunction;
import io.portrait.segment.CentroidAggregator;
import io.portrait.segment.SegmentAssigner;
import io.portrait.segment.SegmentModel;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The topology of portrait, free of connectors: parsed input and control records in, the streams
 * that sinks need out. Tests feed it {@code env.fromData(...)}; {@link PortraitJob} feeds it Kafka.
 * Every stage after {@code keyBy(user_id)} stays keyed by the same key without re-shuffling.
 */
public final class Pipeline {
    private Pipeline() {}

    /** What the topology produces ({@code segmentModels} is null when segments are off). */
    public record Outputs(
            DataStream<ProfileRecord> profiles,
            DataStream<DeadLetter> deadLetters,
            DataStream<DeadLetter> controlDeadLetters,
            DataStream<Alert> alerts,
            DataStream<ProfileChange> changes,
            DataStream<SegmentModel> segmentModels,
            DataStream<io.portrait.recommend.RecommendationLog> recommendationLog) {}

    static ProfilePart riskPart(Alert a) {
        ProfilePart p = new ProfilePart();
        p.userId = a.userId();
        p.risk = RiskSignal.of(a);
        return p;
    }

    /**
     * @param ingested parsed input with timestamps and watermarks assigned (see IngestWatermarks)
     * @param control parsed control records whose watermark is the end of time (ControlWatermarks)
     */
    public static Outputs build(
            DataStream<Ingested> ingested,
            DataStream<ControlRecord> control,
            PortraitConfig config) {
        SingleOutputStreamOperator<Event> events =
                ingested.process(new RouteDeadLetters())
                        .uid("route-dead-letters")
                        .name("Route dead letters");

        SingleOutputStreamOperator<ControlMessage> controlMessages =
                control.process(new RouteControl()).uid("route-control").name("Validate control");
        BroadcastStream<ControlMessage> broadcast = controlMessages.broadcast(Descriptors.CONTROL);

        SingleOutputStreamOperator<Event> unique =
                events.keyBy(Event::userId)
                        .connect(broadcast)
                        .process(new DeduplicateFunction(config))
                        .uid("dedup")
                        .name("De-duplicate event ids");

        SingleOutputStreamOperator<Event> checked =
                DataStreamUtils.reinterpretAsKeyedStream(unique, Event::userId)
                        .process(new DataQualityFunction(config))
                        .uid("data-quality")
                        .name("Data quality");

        SingleOutputStreamOperator<ProfilePart> core =
                DataStreamUtils.reinterpretAsKeyedStream(checked, Event::userId)
                        .process(new ProfileCoreFunction(config))
                        .uid("profile-core")
                        .name("Profile core");

        // Anomaly patterns (CEP) over events enriched with the user's statistics from before them;
        // every alert, the data-quality stage's bot_burst included, goes through one suppressor.
        DataStream<Alert> rawAlerts = checked.getSideOutput(Descriptors.ALERTS);
        if (config.anomaly().enabled()) {
            KeyedStream<Enriched, String> enriched =
                    DataStreamUtils.reinterpretAsKeyedStream(
                            core.getSideOutput(Descriptors.ENRICHED), e -> e.event().userId());
            rawAlerts = rawAlerts.union(Anomalies.detect(enriched, broadcast, config));
        }
        SingleOutputStreamOperator<Alert> alerts =
                rawAlerts
                        .keyBy(AlertSuppressor::key)
                        .process(new AlertSuppressor(config.anomaly().suppression()))
                        .uid("alert-suppression")
                        .name("Alert suppression");

        // The sequence model: one LSTM step per event, batched across users, chained behind the
        // profile core; models arrive through the control stream and the JVM's ModelRegistry.
        DataStream<ProfilePart> predicted = core;
        if (config.predict().enabled()) {
            predicted =
                    DataStreamUtils.reinterpretAsKeyedStream(core, ProfilePart::getUserId)
                            .transform(
                                    "Predict (LSTM, ONNX Runtime)",
                                    TypeInformation.of(ProfilePart.class),
                                    new PredictionOperator(config))
                            .uid("predict");
            controlMessages
                    .broadcast()
                    .process(new ModelControlFunction(config))
                    .uid("model-control")
                    .name("Model control")
                    .sinkTo(new DiscardingSink<>())
                    .uid("model-control-sink")
                    .name("Model control (no output)");
        }

        // Online segments and their model loop: deltas to one aggregator task, models back
        // through the control topic.
        DataStream<ProfilePart> segmented = predicted;
        DataStream<ProfileChange> segmentChanges = null;
        SingleOutputStreamOperator<SegmentModel> models = null;
        if (config.segments().enabled()) {
            SingleOutputStreamOperator<ProfilePart> assigned =
                    DataStreamUtils.reinterpretAsKeyedStream(predicted, ProfilePart::getUserId)
                            .connect(broadcast)
                            .process(new SegmentAssigner(config))
                            .uid("segment-assign")
                            .name("Segment assign");
            models =
                    assigned.getSideOutput(Descriptors.CLUSTER_DELTAS)
                            .keyBy(delta -> 0)
                            .process(new CentroidAggregator(config))
                            .uid("centroid-aggregator")
                            .name("Centroid aggregator")
                            .setParallelism(1)
                            .setMaxParallelism(1);
            segmented = assigned;
            segmentChanges = assigned.getSideOutput(Descriptors.CHANGES);
        }

        // Recommendations: user → item counts → item neighbours → user, a DAG keyed by user, then
        // item, then user again; the lists join the profile as parts of their own.
        DataStream<io.portrait.recommend.RecommendationLog> recommendationLog = null;
        if (config.recommend().enabled()) {
            SingleOutputStreamOperator<io.portrait.recommend.ItemSignal> signals =
                    DataStreamUtils.reinterpretAsKeyedStream(checked, Event::userId)
                            .process(new io.portrait.recommend.RecentItems(config))
                            .uid("recommend-recent-items")
                            .name("Recent items");
            SingleOutputStreamOperator<io.portrait.recommend.NeighbourList> neighbours =
                    signals.keyBy(io.portrait.recommend.ItemSignal::getItem)
                            .process(new io.portrait.recommend.ItemCounts(config))
                            .uid("recommend-item-counts")
                            .name("Item counts")
                            .keyBy(io.portrait.recommend.ItemSignal::getItem)
                            .process(new io.portrait.recommend.ItemNeighbours(config))
                            .uid("recommend-item-neighbours")
                            .name("Item neighbours");
            SingleOutputStreamOperator<ProfilePart> recommendations =
                    neighbours
                            .union(signals.getSideOutput(Descriptors.RECOMMEND_ERASE))
                            .keyBy(io.portrait.recommend.NeighbourList::getUserId)
                            .process(new io.portrait.recommend.Recommender(config))
                            .uid("recommend-users")
                            .name("Recommender");
            segmented = segmented.union(recommendations);
            recommendationLog = recommendations.getSideOutput(Descriptors.RECOMMENDATION_LOG);
        }

        // Alerts reach the profile's risk group as parts of their own, keyed by user and forwarded
        // into the assembler beside the chained parts (same key groups, no cycle).
        DataStream<ProfilePart> parts = segmented;
        if (config.anomaly().enabled()) {
            parts =
                    segmented.union(
                            alerts.keyBy(Alert::userId)
                                    .map(Pipeline::riskPart)
                                    .uid("risk-parts")
                                    .name("Alerts to risk"));
        }
        SingleOutputStreamOperator<ProfileRecord> profiles =
                DataStreamUtils.reinterpretAsKeyedStream(parts, ProfilePart::getUserId)
                        .connect(broadcast)
                        .process(new ProfileAssembler(config))
                        .uid("profile-assembler")
                        .name("Profile assembler");

        DataStream<ProfileChange> changes = profiles.getSideOutput(Descriptors.CHANGES);
        return new Outputs(
                profiles,
                events.getSideOutput(Descriptors.DEAD_LETTERS),
                controlMessages.getSideOutput(Descriptors.CONTROL_DEAD_LETTERS),
                alerts,
                segmentChanges == null ? changes : changes.union(segmentChanges),
                models,
                recommendationLog);
    }
}
