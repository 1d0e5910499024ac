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

    public static final ConfigOption<String> KAFKA_PROPERTIES_FILE =
            ConfigOptions.key("portrait.kafka.properties-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A Java properties file of Kafka client settings (security.protocol,"
                                    + " sasl.*, ssl.*) for every Kafka client of portrait;"
                                    + " ${NAME} in a value is replaced by the environment"
                                    + " variable NAME, so secrets stay out of files and command"
                                    + " lines.");

    public static final ConfigOption<Boolean> KAFKA_STOP_AT_END =
            ConfigOptions.key("portrait.kafka.stop-at-end")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Read the topics only up to their end offsets at start, then finish"
                                    + " (backfills and benchmarks; the job ends when drained).");

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
                            "Redis address: redis://host:port[/db], rediss:// for TLS,"
                                    + " redis-cluster://host:port (any node of a Redis Cluster)"
                                    + " or rediss-cluster://. The password comes only from the"
                                    + " environment variable PORTRAIT_REDIS_PASSWORD.");

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
                    .defaultValue(Duration.ofMillis(5))
                    .withDescription(
                            "A partly filled batch is written at most this long after its first"
                                    + " profile (and always before a checkpoint completes). Short:"
                                    + " the user operator already coalesces per flush.");

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
                            "An event_id is remembered until the user has an event this much"
                                    + " later (event time, at most 1 024 ids per user); a"
                                    + " duplicate arriving later is counted again.");

    public static final ConfigOption<Duration> FLUSH_INTERVAL =
            ConfigOptions.key("portrait.flush.interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(50))
                    .withDescription(
                            "How often the user operator writes the users an event or an alert"
                                    + " changed (one document per user per flush) while it keeps"
                                    + " up. Changeable at run time via the control topic"
                                    + " (setting flush.interval).");

    public static final ConfigOption<Duration> FLUSH_MAX_INTERVAL =
            ConfigOptions.key("portrait.flush.max-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription(
                            "The longest flush interval: while the user operator is behind"
                                    + " (busy for more than 80 % of an interval), the interval"
                                    + " doubles up to this, so documents of active users"
                                    + " coalesce under backlog.");

    public static final ConfigOption<Integer> FLUSH_MAX_USERS =
            ConfigOptions.key("portrait.flush.max-users")
                    .intType()
                    .defaultValue(20_000)
                    .withDescription(
                            "Changed users held per task before a flush is forced (the mini-batch"
                                    + " cache's bound on heap).");

    public static final ConfigOption<Integer> SWEEP_RATE =
            ConfigOptions.key("portrait.sweep.rate")
                    .intType()
                    .defaultValue(20_000)
                    .withDescription(
                            "Users per second per task that a key sweep (a pass over every user in"
                                    + " state, e.g. a segment re-score) visits; it pauses while the"
                                    + " operator is behind, so events keep flowing.");

    public static final ConfigOption<Long> PROFILE_EPOCH =
            ConfigOptions.key("portrait.profile.epoch")
                    .longType()
                    .defaultValue(0L)
                    .withDescription(
                            "Epoch of a job started without state (0 = its start time in epoch"
                                    + " seconds); restored from state otherwise.");

    public static final ConfigOption<String> DEFAULT_TZ =
            ConfigOptions.key("portrait.profile.default-tz")
                    .stringType()
                    .defaultValue("UTC")
                    .withDescription(
                            "Zone for the hour-of-week rhythm of users whose events carry no tz.");

    public static final ConfigOption<Duration> SESSION_GAP =
            ConfigOptions.key("portrait.profile.session-gap")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(30))
                    .withDescription("Event-time silence that ends a session.");

    public static final ConfigOption<Duration> INTEREST_HALF_LIFE =
            ConfigOptions.key("portrait.profile.interest-half-life")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription("Half-life of category interest scores (event time).");

    public static final ConfigOption<Integer> INTEREST_CAPACITY =
            ConfigOptions.key("portrait.profile.interest-capacity")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Categories kept per user; the weakest is replaced when full.");

    public static final ConfigOption<Duration> RETENTION =
            ConfigOptions.key("portrait.profile.retention")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "Forget users inactive this long in event time: keyed state is"
                                    + " cleared and, unless portrait.redis.profile-ttl is set,"
                                    + " the Redis key expires after as long (0 = keep forever).");

    public static final ConfigOption<Double> PRIOR_ALPHA =
            ConfigOptions.key("portrait.propensity.prior-alpha")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription(
                            "α of the Beta prior of conversion propensity (prior mean α/(α+β)).");

    public static final ConfigOption<Double> PRIOR_BETA =
            ConfigOptions.key("portrait.propensity.prior-beta")
                    .doubleType()
                    .defaultValue(19.0)
                    .withDescription("β of the Beta prior of conversion propensity.");

    public static final ConfigOption<Integer> BOT_BURST_ACTIONS =
            ConfigOptions.key("portrait.quality.bot-burst-actions")
                    .intType()
                    .defaultValue(30)
                    .withDescription(
                            "This many actions (one per order and timestamp) within"
                                    + " portrait.quality.bot-burst-window is superhuman.");

    public static final ConfigOption<Duration> BOT_BURST_WINDOW =
            ConfigOptions.key("portrait.quality.bot-burst-window")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription("Window of the superhuman-rate rule (event time).");

    public static final ConfigOption<Integer> BOT_METRONOME_INTERVALS =
            ConfigOptions.key("portrait.quality.bot-metronome-intervals")
                    .intType()
                    .defaultValue(16)
                    .withDescription("Inter-event intervals the regularity rule looks at.");

    public static final ConfigOption<Double> BOT_METRONOME_CV =
            ConfigOptions.key("portrait.quality.bot-metronome-cv")
                    .doubleType()
                    .defaultValue(0.05)
                    .withDescription(
                            "Intervals whose coefficient of variation is below this are"
                                    + " metronomic (humans jitter).");

    public static final ConfigOption<Duration> BOT_METRONOME_MAX_GAP =
            ConfigOptions.key("portrait.quality.bot-metronome-max-gap")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("Only intervals with a mean below this count as metronomic.");

    public static final ConfigOption<Integer> BOT_VIEW_FLOOD =
            ConfigOptions.key("portrait.quality.bot-view-flood")
                    .intType()
                    .defaultValue(300)
                    .withDescription("This many views in a row with no other action is a flood.");

    public static final ConfigOption<Duration> ALERT_SUPPRESSION =
            ConfigOptions.key("portrait.quality.alert-suppression")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "After a bot_burst alert, no other for the same user for this long"
                                    + " (event time).");

    public static final ConfigOption<String> TOPIC_ALERTS =
            ConfigOptions.key("portrait.topics.alerts")
                    .stringType()
                    .defaultValue(Topics.ALERTS)
                    .withDescription("Topic of alerts (JSON, keyed by user_id).");

    public static final ConfigOption<String> TOPIC_ALERTS_CEP =
            ConfigOptions.key("portrait.topics.alerts-cep")
                    .stringType()
                    .defaultValue(Topics.ALERTS_CEP)
                    .withDescription(
                            "Internal loop topic: raw matches of the CEP patterns, read back by the"
                                    + " user operator (suppression, risk, then portrait.alerts).");

    public static final ConfigOption<String> TOPIC_CHANGES =
            ConfigOptions.key("portrait.topics.changes")
                    .stringType()
                    .defaultValue(Topics.CHANGES)
                    .withDescription("Topic of profile changes (erased, …), keyed by user_id.");

    public static final ConfigOption<Boolean> SEGMENTS_ENABLED =
            ConfigOptions.key("portrait.segment.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Assign online k-means segments and run the centroid model loop"
                                    + " (off: profiles carry no `segment`).");

    public static final ConfigOption<Integer> SEGMENT_K =
            ConfigOptions.key("portrait.segment.k")
                    .intType()
                    .defaultValue(4)
                    .withDescription("Number of segments (online k-means clusters).");

    public static final ConfigOption<Duration> SEGMENT_HALF_LIFE =
            ConfigOptions.key("portrait.segment.half-life")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "Event-time half-life of a centroid's weight: how fast segments follow"
                                    + " drifting behaviour.");

    public static final ConfigOption<Duration> SEGMENT_UPDATE_INTERVAL =
            ConfigOptions.key("portrait.segment.update-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription(
                            "Cadence (processing time) at which the aggregator updates and"
                                    + " publishes centroids, when anything changed.");

    public static final ConfigOption<Integer> SEGMENT_MIN_SAMPLES =
            ConfigOptions.key("portrait.segment.min-samples")
                    .intType()
                    .defaultValue(200)
                    .withDescription("Vectors in the reservoir before k-means++ initialisation.");

    public static final ConfigOption<Integer> SEGMENT_RESERVOIR =
            ConfigOptions.key("portrait.segment.reservoir")
                    .intType()
                    .defaultValue(5000)
                    .withDescription(
                            "Users in the aggregator's sample of current vectors (bottom-k by"
                                    + " user hash): k-means++ start, update targets, re-seeding.");

    public static final ConfigOption<Double> SEGMENT_MARGIN =
            ConfigOptions.key("portrait.segment.margin")
                    .doubleType()
                    .defaultValue(0.1)
                    .withDescription(
                            "A user moves only to a centroid closer than its own by this much"
                                    + " (standardised units): no flapping at borders.");

    public static final ConfigOption<Double> SEGMENT_RESEED_FRACTION =
            ConfigOptions.key("portrait.segment.reseed-fraction")
                    .doubleType()
                    .defaultValue(0.01)
                    .withDescription(
                            "A cluster whose weight falls below this fraction of the largest is"
                                    + " re-seeded by splitting the largest.");

    public static final ConfigOption<Double> SEGMENT_RESCORE_SHIFT =
            ConfigOptions.key("portrait.segment.rescore-shift")
                    .doubleType()
                    .defaultValue(0.25)
                    .withDescription(
                            "A new model that moved a centroid further than this (standardised"
                                    + " units) from the model of the last completed re-score, or"
                                    + " changed the segment ids, re-assigns every user (key sweep).");

    public static final ConfigOption<Duration> SEGMENT_RESCORE_MIN_INTERVAL =
            ConfigOptions.key("portrait.segment.rescore-min-interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "Least time (processing time) between the starts of two re-scores.");

    public static final ConfigOption<Boolean> PREDICT_ENABLED =
            ConfigOptions.key("portrait.predict.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Run the LSTM (ONNX Runtime) on every event and add `predictions` to"
                                    + " profiles.");

    public static final ConfigOption<String> PREDICT_MODEL =
            ConfigOptions.key("portrait.predict.model")
                    .stringType()
                    .defaultValue("classpath:models/next-action-v1.onnx")
                    .withDescription(
                            "Model used until a `model` control record names another: file:/…, a"
                                    + " path, or classpath:….");

    public static final ConfigOption<Integer> PREDICT_BATCH_SIZE =
            ConfigOptions.key("portrait.predict.batch-size")
                    .intType()
                    .defaultValue(128)
                    .withDescription(
                            "Users per ONNX Runtime call at a flush (each with its queued steps as"
                                    + " one sequence).");

    public static final ConfigOption<Integer> PREDICT_HISTORY =
            ConfigOptions.key("portrait.predict.history")
                    .intType()
                    .defaultValue(12)
                    .withDescription(
                            "Latest events kept per user to rebuild the LSTM state when a new"
                                    + " model arrives.");

    public static final ConfigOption<Duration> PREDICT_SILENCE_TICK =
            ConfigOptions.key("portrait.predict.silence-tick")
                    .durationType()
                    .defaultValue(Duration.ofHours(6))
                    .withDescription(
                            "Event-time step at which a silent user's churn risk is re-published"
                                    + " (0 s: never).");

    public static final ConfigOption<Integer> PREDICT_SILENCE_TICKS =
            ConfigOptions.key("portrait.predict.silence-ticks")
                    .intType()
                    .defaultValue(4)
                    .withDescription("Silence updates after a user's last event, at most.");

    public static final ConfigOption<Boolean> ANOMALY_ENABLED =
            ConfigOptions.key("portrait.anomaly.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Run the anomaly detectors (docs/anomaly.md) and publish their alerts.");

    public static final ConfigOption<Integer> ATO_FAILED_LOGINS =
            ConfigOptions.key("portrait.anomaly.ato.failed-logins")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "account_takeover: login_failed events before the successful login.");

    public static final ConfigOption<Duration> ATO_WINDOW =
            ConfigOptions.key("portrait.anomaly.ato.window")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(30))
                    .withDescription(
                            "account_takeover: from the first failed login to the password change"
                                    + " or unusual purchase.");

    public static final ConfigOption<Double> ATO_AMOUNT_FACTOR =
            ConfigOptions.key("portrait.anomaly.ato.amount-factor")
                    .doubleType()
                    .defaultValue(3.0)
                    .withDescription(
                            "account_takeover: a purchase above this many times the user's median"
                                    + " order value (before it) counts as unusual.");

    public static final ConfigOption<Integer> CARD_TESTING_PURCHASES =
            ConfigOptions.key("portrait.anomaly.card-testing.purchases")
                    .intType()
                    .defaultValue(5)
                    .withDescription(
                            "card_testing: small purchases of distinct orders within the window.");

    public static final ConfigOption<String> CARD_TESTING_MAX_AMOUNT =
            ConfigOptions.key("portrait.anomaly.card-testing.max-amount")
                    .stringType()
                    .defaultValue("2.00")
                    .withDescription(
                            "card_testing: largest 'small' purchase, in the base currency.");

    public static final ConfigOption<Duration> CARD_TESTING_WINDOW =
            ConfigOptions.key("portrait.anomaly.card-testing.window")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription("card_testing: the burst's window.");

    public static final ConfigOption<Double> TRAVEL_MAX_KMH =
            ConfigOptions.key("portrait.anomaly.travel.max-kmh")
                    .doubleType()
                    .defaultValue(1200.0)
                    .withDescription(
                            "impossible_travel: speed between two located events above which the"
                                    + " user cannot have travelled (an airliner is ~900 km/h).");

    public static final ConfigOption<Double> TRAVEL_MIN_KM =
            ConfigOptions.key("portrait.anomaly.travel.min-km")
                    .doubleType()
                    .defaultValue(300.0)
                    .withDescription(
                            "impossible_travel: shorter jumps are ignored (geo-IP jitter).");

    public static final ConfigOption<Double> SPEND_SPIKE_Z =
            ConfigOptions.key("portrait.anomaly.spend-spike.z")
                    .doubleType()
                    .defaultValue(6.0)
                    .withDescription(
                            "spend_spike: robust z-score (amount - median) / (IQR / 1.349) of a"
                                    + " purchase against the user's orders before it.");

    public static final ConfigOption<Integer> SPEND_SPIKE_MIN_ORDERS =
            ConfigOptions.key("portrait.anomaly.spend-spike.min-orders")
                    .intType()
                    .defaultValue(5)
                    .withDescription("spend_spike: orders of history before a purchase is judged.");

    public static final ConfigOption<Double> SPEND_SPIKE_MIN_SPREAD =
            ConfigOptions.key("portrait.anomaly.spend-spike.min-spread")
                    .doubleType()
                    .defaultValue(0.25)
                    .withDescription(
                            "spend_spike: the z-score's scale is at least this fraction of the"
                                    + " median order, so a short, tight history cannot make an"
                                    + " ordinary purchase look extreme.");

    public static final ConfigOption<Integer> REFUND_ABUSE_REFUNDS =
            ConfigOptions.key("portrait.anomaly.refund-abuse.refunds")
                    .intType()
                    .defaultValue(4)
                    .withDescription("refund_abuse: refunds within the window.");

    public static final ConfigOption<Duration> REFUND_ABUSE_WINDOW =
            ConfigOptions.key("portrait.anomaly.refund-abuse.window")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription("refund_abuse: the window.");

    public static final ConfigOption<Duration> ANOMALY_SUPPRESSION =
            ConfigOptions.key("portrait.anomaly.suppression")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "After an alert, no other of the same rule for the same user for this"
                                    + " long (event time).");

    public static final ConfigOption<Duration> RULES_BUCKET =
            ConfigOptions.key("portrait.rules.bucket")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "Dynamic rules: width of the per-user time buckets that hold event"
                                    + " digests (one state entry each; windows stay exact).");

    public static final ConfigOption<Duration> RULES_HISTORY =
            ConfigOptions.key("portrait.rules.history")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "Dynamic rules: event history kept per user even when no rule needs"
                                    + " it, so a rule added later sees it at once (the longest"
                                    + " window in force is kept in any case).");

    public static final ConfigOption<Duration> RISK_HALF_LIFE =
            ConfigOptions.key("portrait.risk.half-life")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "Half-life (event time) of an alert's weight in the profile's"
                                    + " risk.score.");

    public static final ConfigOption<Double> RISK_THRESHOLD =
            ConfigOptions.key("portrait.risk.threshold")
                    .doubleType()
                    .defaultValue(0.6)
                    .withDescription(
                            "risk.score at which a risk_crossed change goes to portrait.changes"
                                    + " (both directions).");

    public static final ConfigOption<Integer> REDIS_ALERTS_KEEP =
            ConfigOptions.key("portrait.redis.alerts-keep")
                    .intType()
                    .defaultValue(50)
                    .withDescription(
                            "Most recent alerts kept per user in portrait:alerts:<user_id> (a"
                                    + " sorted set by event time).");

    public static final ConfigOption<Duration> REDIS_ALERTS_TTL =
            ConfigOptions.key("portrait.redis.alerts-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(30))
                    .withDescription(
                            "portrait:alerts:<user_id> expires this long after the user's latest"
                                    + " alert.");

    public static final ConfigOption<Boolean> RECOMMEND_ENABLED =
            ConfigOptions.key("portrait.recommend.enabled")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Streaming item-item recommendations in the profile's"
                                    + " `recommendations` (docs/recommendations.md).");

    public static final ConfigOption<Integer> RECOMMEND_TOP_N =
            ConfigOptions.key("portrait.recommend.top-n")
                    .intType()
                    .defaultValue(10)
                    .withDescription("Items recommended per user (1–50).");

    public static final ConfigOption<Integer> RECOMMEND_NEIGHBOURS =
            ConfigOptions.key("portrait.recommend.neighbours")
                    .intType()
                    .defaultValue(20)
                    .withDescription(
                            "Neighbours (by cosine) an item hands to the user who touched it.");

    public static final ConfigOption<Integer> RECOMMEND_CANDIDATES =
            ConfigOptions.key("portrait.recommend.candidates")
                    .intType()
                    .defaultValue(30)
                    .withDescription(
                            "Hard bound on co-occurring items kept per item and on candidates kept"
                                    + " per user (the weakest is replaced).");

    public static final ConfigOption<Integer> RECOMMEND_RECENT_ITEMS =
            ConfigOptions.key("portrait.recommend.recent-items")
                    .intType()
                    .defaultValue(5)
                    .withDescription(
                            "A user's most recent distinct items that pair with a new one.");

    public static final ConfigOption<Integer> RECOMMEND_TOUCHED_MEMORY =
            ConfigOptions.key("portrait.recommend.touched-memory")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "Items a user touched (viewed, bought…) that are never recommended back"
                                    + " to them: the most recent ones, as 32-bit hashes.");

    public static final ConfigOption<Duration> RECOMMEND_WINDOW =
            ConfigOptions.key("portrait.recommend.window")
                    .durationType()
                    .defaultValue(Duration.ofDays(1))
                    .withDescription(
                            "Two items of one user co-occur if touched within this much event time.");

    public static final ConfigOption<Duration> RECOMMEND_HALF_LIFE =
            ConfigOptions.key("portrait.recommend.half-life")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "Event-time half-life of occurrence and co-occurrence counts and of a"
                                    + " user's candidate scores.");

    public static final ConfigOption<Duration> RECOMMEND_USER_TTL =
            ConfigOptions.key("portrait.recommend.user-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(30))
                    .withDescription(
                            "A user inactive this long (event time) loses recent items and candidates.");

    public static final ConfigOption<Duration> RECOMMEND_ITEM_TTL =
            ConfigOptions.key("portrait.recommend.item-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(30))
                    .withDescription(
                            "An item untouched this long (event time) loses its counts and neighbours.");

    public static final ConfigOption<String> RECOMMEND_LOG_TOPIC =
            ConfigOptions.key("portrait.recommend.log-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "If set, every recommendation list given to a user is also published"
                                    + " here (user, event time, items), for offline evaluation.");
}
