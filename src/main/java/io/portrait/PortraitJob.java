package io.portrait;

import io.portrait.config.PortraitConfig;
import io.portrait.control.ControlDeserializer;
import io.portrait.control.ControlRecord;
import io.portrait.control.ControlWatermarks;
import io.portrait.event.Ingested;
import io.portrait.ingest.DeadLetterSerializer;
import io.portrait.ingest.EventDeserializer;
import io.portrait.ingest.IngestWatermarks;
import io.portrait.segment.SegmentModel;
import io.portrait.segment.SegmentModelSerializer;
import io.portrait.segment.SegmentSummary;
import io.portrait.sink.AlertSerializer;
import io.portrait.sink.ProfileChangeSerializer;
import io.portrait.sink.RedisSink;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The Flink job: Kafka in, {@link Pipeline} in the middle, Redis and the dead-letter topics out. On
 * a cluster ({@code flink run}, the Kubernetes operator) the entry point is {@code
 * io.portrait.cli.JobCommand}, which reads the options and calls {@link #run}; the demo calls
 * {@link #attach} on a local environment. State backend, checkpointing and restart strategy come
 * from the cluster's config.yaml (see flink-conf/).
 */
public final class PortraitJob {
    public static final String JOB_NAME = "portrait";

    private PortraitJob() {}

    /** Runs the job on the environment the cluster provides and waits for it. */
    public static JobExecutionResult run(PortraitConfig config) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SavepointLayout.check(env.getConfiguration());
        attach(env, config, Clock.systemUTC());
        return env.execute(JOB_NAME);
    }

    /** Adds sources, the topology and sinks to {@code env}. */
    public static void attach(StreamExecutionEnvironment env, PortraitConfig config, Clock clock) {
        KafkaSourceBuilder<Ingested> eventsBuilder =
                KafkaSource.<Ingested>builder()
                        .setProperties(config.kafkaClientProperties())
                        .setBootstrapServers(config.kafkaBootstrap())
                        .setTopics(config.eventsTopic())
                        .setGroupId(config.kafkaGroupId())
                        .setStartingOffsets(
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        .setDeserializer(new EventDeserializer(config, clock));
        KafkaSourceBuilder<ControlRecord> controlBuilder =
                KafkaSource.<ControlRecord>builder()
                        .setProperties(config.kafkaClientProperties())
                        .setBootstrapServers(config.kafkaBootstrap())
                        .setTopics(config.controlTopic())
                        .setGroupId(config.kafkaGroupId() + "-control")
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setProperty("isolation.level", "read_committed")
                        .setProperty("commit.offsets.on.checkpoint", "false")
                        .setDeserializer(new ControlDeserializer(clock));
        if (config.kafkaStopAtEnd()) {
            // A backfill or benchmark: both sources end at the offsets of now, so the job ends.
            eventsBuilder.setBounded(OffsetsInitializer.latest());
            controlBuilder.setBounded(OffsetsInitializer.latest());
        }
        KafkaSource<Ingested> events = eventsBuilder.build();
        KafkaSource<ControlRecord> control = controlBuilder.build();

        DataStream<Ingested> ingested =
                env.fromSource(events, IngestWatermarks.strategy(config), "Kafka events")
                        .uid("kafka-events-source");
        DataStream<ControlRecord> controlRecords =
                env.fromSource(control, ControlWatermarks.endOfTime(), "Kafka control")
                        .uid("kafka-control-source")
                        .setParallelism(1);

        // The CEP loop: CEP's raw matches go out to portrait.alerts.cep and come back into the user
        // operator, which suppresses them, adds them to the risk and publishes them. A loop input
        // never holds back event time (end-of-time watermarks). A run bounded by
        // portrait.kafka.stop-at-end reads it only up to its end at start, like the control topic,
        // so CEP matches of that run are published by the next run (documented).
        DataStream<io.portrait.anomaly.Alert> cepIn = null;
        if (config.anomaly().enabled()) {
            KafkaSourceBuilder<io.portrait.anomaly.Alert> cepBuilder =
                    KafkaSource.<io.portrait.anomaly.Alert>builder()
                            .setProperties(config.kafkaClientProperties())
                            .setBootstrapServers(config.kafkaBootstrap())
                            .setTopics(config.alertsCepTopic())
                            .setGroupId(config.kafkaGroupId() + "-alerts-cep")
                            .setStartingOffsets(
                                    OffsetsInitializer.committedOffsets(
                                            OffsetResetStrategy.EARLIEST))
                            .setDeserializer(new io.portrait.ingest.AlertDeserializer());
            if (config.kafkaStopAtEnd()) {
                cepBuilder.setBounded(OffsetsInitializer.latest());
            }
            cepIn =
                    env.fromSource(
                                    cepBuilder.build(),
                                    ControlWatermarks.endOfTime(),
                                    "Kafka CEP alerts")
                            .uid("kafka-alerts-cep-source");
        }

        Pipeline.Outputs out = Pipeline.build(ingested, controlRecords, cepIn, config);
        if (out.cepAlerts() != null) {
            out.cepAlerts()
                    .sinkTo(kafkaSink(config, new AlertSerializer(config.alertsCepTopic())))
                    .uid("alerts-cep-sink")
                    .name("Kafka CEP alerts (loop)");
        }

        out.profiles()
                .sinkTo(RedisSink.builder().fromConfig(config).build())
                .uid("redis-profile-sink")
                .name("Redis profiles");
        if (out.recommendations() != null) {
            out.recommendations()
                    .sinkTo(RedisSink.builder().fromConfig(config).build())
                    .uid("redis-recommendations-sink")
                    .name("Redis recommendations");
        }
        out.deadLetters()
                .sinkTo(kafkaSink(config, new DeadLetterSerializer(config.dlqTopic())))
                .uid("dlq-sink")
                .name("Kafka DLQ");
        out.controlDeadLetters()
                .sinkTo(kafkaSink(config, new DeadLetterSerializer(config.controlDlqTopic())))
                .uid("control-dlq-sink")
                .name("Kafka control DLQ");
        out.alerts()
                .sinkTo(kafkaSink(config, new AlertSerializer(config.alertsTopic())))
                .uid("alerts-sink")
                .name("Kafka alerts");
        out.alerts()
                .sinkTo(new io.portrait.sink.RedisAlertSink(config))
                .uid("redis-alerts-sink")
                .name("Redis recent alerts");
        // The model loop's outputs run at the aggregator's parallelism of 1 whatever the job's:
        // chained to it at -p 1 but not at -p 2, their state would not restore across a rescale.
        if (out.segmentModels() != null) {
            out.segmentModels()
                    .sinkTo(centroidSink(config))
                    .uid("centroids-sink")
                    .name("Kafka control: centroids")
                    .setParallelism(1);
            out.segmentModels()
                    .map(SegmentSummary::of)
                    .uid("segment-summary")
                    .name("Segment summary")
                    .setParallelism(1)
                    .sinkTo(
                            RedisSink.builder()
                                    .fromConfig(config)
                                    .setProfileTtl(Duration.ZERO)
                                    .build())
                    .uid("redis-segments-sink")
                    .name("Redis segments")
                    .setParallelism(1);
        }
        out.changes()
                .sinkTo(kafkaSink(config, new ProfileChangeSerializer(config.changesTopic())))
                .uid("changes-sink")
                .name("Kafka changes");
        if (out.recommendationLog() != null && config.recommend().logTopic() != null) {
            out.recommendationLog()
                    .sinkTo(
                            kafkaSink(
                                    config,
                                    new io.portrait.recommend.RecommendationLogSerializer(
                                            config.recommend().logTopic())))
                    .uid("recommendation-log-sink")
                    .name("Kafka recommendation log");
        }
    }

    /** Models go to the control topic exactly once (it is read with read_committed). */
    private static KafkaSink<SegmentModel> centroidSink(PortraitConfig config) {
        Properties props = config.kafkaClientProperties();
        props.setProperty("transaction.timeout.ms", "600000");
        return KafkaSink.<SegmentModel>builder()
                .setBootstrapServers(config.kafkaBootstrap())
                .setKafkaProducerConfig(props)
                .setRecordSerializer(new SegmentModelSerializer(config.controlTopic()))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(config.kafkaGroupId() + "-centroids")
                .build();
    }

    /** At-least-once Kafka output (DLQ, alerts, changes: their consumers de-duplicate by id). */
    private static <T> KafkaSink<T> kafkaSink(
            PortraitConfig config, KafkaRecordSerializationSchema<T> serializer) {
        Properties props = config.kafkaClientProperties();
        props.setProperty("compression.type", "lz4");
        return KafkaSink.<T>builder()
                .setBootstrapServers(config.kafkaBootstrap())
                .setKafkaProducerConfig(props)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }
}
