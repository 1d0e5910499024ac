package io.portrait.config;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Every job setting of portrait, with its default and what it means. Read and validated into a
 * {@link PortraitConfig} at start-up; cluster settings (state backend, checkpoints) stay in
 * flink-conf/config.yaml. The README's configuration table lists these keys.
 */
public final class PortraitOptions {
    private PortraitOptions() {}

    public static final ConfigOption<String> KAFKA_BOOTSTRAP =
            ConfigOptions.key("portrait.kafka.bootstrap-servers")
                    .stringType()
                    .defaultValue("localhost:9092")
                    .withDescription("Kafka bootstrap servers (host:port[,host:port]).");

    public static final ConfigOption<String> KAFKA_GROUP_ID =
            ConfigOptions.key("portrait.kafka.group-id")
                    .stringType()
                    .defaultValue("portrait")
                    .withDescription(
                            "Consumer group of the job; offsets are committed on checkpoints.");

    public static final ConfigOption<String> TOPIC_EVENTS =
            ConfigOptions.key("portrait.topics.events")
                    .stringType()
                    .defaultValue(Topics.EVENTS)
                    .withDescription("Input topic of behaviour events (JSON).");

    public static final ConfigOption<String> TOPIC_DLQ =
            ConfigOptions.key("portrait.topics.dlq")
                    .stringType()
                    .defaultValue(Topics.EVENTS_DLQ)
                    .withDescription("Dead-letter topic for rejected events.");

    public static final ConfigOption<String> TOPIC_CONTROL =
            ConfigOptions.key("portrait.topics.control")
                    .stringType()
                    .defaultValue(Topics.CONTROL)
                    .withDescription("Compacted control topic (settings, models, rules).");

    public static final ConfigOption<String> TOPIC_CONTROL_DLQ =
            ConfigOptions.key("portrait.topics.control-dlq")
                    .stringType()
                    .defaultValue(Topics.CONTROL_DLQ)
                    .withDescription("Dead-letter topic for invalid control records.");

    public static final ConfigOption<String> REDIS_URL =
            ConfigOptions.key("portrait.redis.url")
                    .stringType()
                    .defaultValue("redis://localhost:6379")
                    .withDescription(
                            "Redis address, redis://host:port[/db]. The password comes only from"
                                    + " the environment variable PORTRAIT_REDIS_PASSWORD.");

    public static final ConfigOption<Integer> REDIS_BATCH_SIZE =
            ConfigOptions.key("portrait.redis.batch-size")
                    .intType()
                    .defaultValue(500)
                    .withDescription(
                            "Profiles per pipelined Redis round trip; also the bound on buffered"
                                    + " profiles per sink task (back-pressure beyond it).");

    public static final ConfigOption<Duration> REDIS_FLUSH_INTERVAL =
            ConfigOptions.key("portrait.redis.flush-interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(100))
                    .withDescription(
                            "A partly filled batch is written at most this long after its first"
                                    + " profile (and always before a checkpoint completes).");

    public static final ConfigOption<Duration> REDIS_PROFILE_TTL =
            ConfigOptions.key("portrait.redis.profile-ttl")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "Expire the profile key of a user inactive this long (0 = never).");

    public static final ConfigOption<Duration> REDIS_TOMBSTONE_TTL =
            ConfigOptions.key("portrait.redis.tombstone-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "How long the tombstone of an erased user stays, so a late write"
                                    + " cannot resurrect the profile.");

    public static final ConfigOption<Duration> REDIS_MAX_BACKOFF =
            ConfigOptions.key("portrait.redis.max-backoff")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("Cap of the retry backoff while Redis is unreachable.");

    public static final ConfigOption<Integer> MAX_RECORD_BYTES =
            ConfigOptions.key("portrait.ingest.max-record-bytes")
                    .intType()
                    .defaultValue(64 * 1024)
                    .withDescription("Larger event records go to the DLQ as 'oversized'.");

    public static final ConfigOption<Integer> DLQ_RAW_CAP_BYTES =
            ConfigOptions.key("portrait.ingest.dlq-raw-cap-bytes")
                    .intType()
                    .defaultValue(4096)
                    .withDescription(
                            "Raw bytes kept in a DLQ record; longer ones are cut (truncated=true).");

    public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
            ConfigOptions.key("portrait.ingest.out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("Bounded out-of-orderness of the event-time watermarks.");

    public static final ConfigOption<Duration> IDLENESS =
            ConfigOptions.key("portrait.ingest.idleness")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("A partition silent this long stops holding back watermarks.");

    public static final ConfigOption<Duration> FUTURE_SKEW =
            ConfigOptions.key("portrait.ingest.allowed-future-skew")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("Events later than wall clock plus this go to the DLQ.");

    public static final ConfigOption<String> BASE_CURRENCY =
            ConfigOptions.key("portrait.money.base-currency")
                    .stringType()
                    .defaultValue("GBP")
                    .withDescription("ISO 4217 currency all amounts are converted to.");

    public static final ConfigOption<String> FX_RATES =
            ConfigOptions.key("portrait.money.fx-rates")
                    .stringType()
                    .defaultValue("EUR=0.85,USD=0.79,CNY=0.11,JPY=0.0053,CHF=0.90,AUD=0.52")
                    .withDescription(
                            "Units of the base currency per unit of each other currency,"
                                    + " CODE=rate,... ; an event in an unlisted currency goes to"
                                    + " the DLQ.");

    public static final ConfigOption<Duration> DEDUP_HORIZON =
            ConfigOptions.key("portrait.dedup.horizon")
                    .durationType()
                    .defaultValue(Duration.ofHours(24))
                    .withDescription(
                            "An event_id is remembered this long in event time; a duplicate"
                                    + " arriving later is counted again.");

    public static final ConfigOption<Duration> DEDUP_CLEANUP_INTERVAL =
            ConfigOptions.key("portrait.dedup.cleanup-interval")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "Granularity of the event-time timers that evict remembered ids"
                                    + " (and order ids).");

    public static final ConfigOption<Duration> COALESCE_INTERVAL =
            ConfigOptions.key("portrait.profile.coalesce-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "At most one profile write per user per interval (processing time,"
                                    + " leading and trailing edge). Changeable at run time via"
                                    + " the control topic.");

    public static final ConfigOption<Long> PROFILE_EPOCH =
            ConfigOptions.key("portrait.profile.epoch")
                    .longType()
                    .defaultValue(0L)
                    .withDescription(
                            "Epoch of a job started without state (0 = its start time in epoch"
                                    + " seconds); restored from state otherwise.");
}
