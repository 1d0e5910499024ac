package io.portrait.config;

import static io.portrait.config.PortraitOptions.*;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Currency;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The validated job settings. Built once by {@link #from(Configuration)}, which fails fast with a
 * message naming the key to fix; operators receive this record (it is serializable) instead of
 * reading configuration themselves.
 */
public record PortraitConfig(
        String kafkaBootstrap,
        String kafkaGroupId,
        String kafkaPropertiesFile,
        boolean kafkaStopAtEnd,
        String eventsTopic,
        String dlqTopic,
        String controlTopic,
        String controlDlqTopic,
        String redisUrl,
        int redisBatchSize,
        Duration redisFlushInterval,
        Duration redisProfileTtl,
        Duration redisTombstoneTtl,
        Duration redisMaxBackoff,
        int maxRecordBytes,
        int dlqRawCapBytes,
        Duration outOfOrderness,
        Duration idleness,
        Duration futureSkew,
        Money money,
        Duration dedupHorizon,
        Duration flushInterval,
        Duration flushMaxInterval,
        int flushMaxUsers,
        int sweepRate,
        long epoch,
        String alertsTopic,
        String alertsCepTopic,
        String changesTopic,
        Features features,
        Quality quality,
        Segments segments,
        Predict predict,
        Anomaly anomaly,
        Recommend recommend)
        implements Serializable {

    /** Settings of the streaming recommendations (docs/recommendations.md). */
    public record Recommend(
            boolean enabled,
            int topN,
            int neighbours,
            int candidates,
            int recentItems,
            int touchedMemory,
            Duration window,
            Duration halfLife,
            Duration userTtl,
            Duration itemTtl,
            String logTopic)
            implements Serializable {}

    /** Settings of the CEP anomaly patterns (docs/anomaly.md). */
    public record Anomaly(
            boolean enabled,
            int atoFailedLogins,
            Duration atoWindow,
            double atoAmountFactor,
            int cardTestingPurchases,
            long cardTestingMaxMinor,
            Duration cardTestingWindow,
            double travelMaxKmh,
            double travelMinKm,
            double spendSpikeZ,
            int spendSpikeMinOrders,
            double spendSpikeMinSpread,
            int refundAbuseRefunds,
            Duration refundAbuseWindow,
            Duration suppression,
            int redisAlertsKeep,
            Duration redisAlertsTtl,
            Duration rulesBucket,
            Duration rulesHistory,
            Duration riskHalfLife,
            double riskThreshold)
            implements Serializable {}

    /** Settings of the sequence model (docs/models/next-action.md). */
    public record Predict(
            boolean enabled,
            String model,
            int batchSize,
            int history,
            Duration silenceTick,
            int silenceTicks)
            implements Serializable {}

    /** Settings of online segmentation. */
    public record Segments(
            boolean enabled,
            int k,
            Duration halfLife,
            Duration updateInterval,
            int minSamples,
            int reservoir,
            double margin,
            double reseedFraction,
            double rescoreShift,
            Duration rescoreMinInterval)
            implements Serializable {}

    /** Settings of the profile features. */
    public record Features(
            ZoneId defaultZone,
            Duration sessionGap,
            Duration interestHalfLife,
            int interestCapacity,
            Duration retention,
            double priorAlpha,
            double priorBeta)
            implements Serializable {}

    /** Settings of the data-quality stage (bot and noise detection). */
    public record Quality(
            int burstActions,
            Duration burstWindow,
            int metronomeIntervals,
            double metronomeCv,
            Duration metronomeMaxGap,
            int viewFlood,
            Duration alertSuppression)
            implements Serializable {}

    /** Reads and validates every portrait option; unknown portrait.* keys are rejected too. */
    public static PortraitConfig from(Configuration conf) {
        rejectUnknownKeys(conf);
        return new PortraitConfig(
                nonBlank(conf, KAFKA_BOOTSTRAP),
                nonBlank(conf, KAFKA_GROUP_ID),
                kafkaPropertiesFile(conf),
                conf.get(KAFKA_STOP_AT_END),
                nonBlank(conf, TOPIC_EVENTS),
                nonBlank(conf, TOPIC_DLQ),
                nonBlank(conf, TOPIC_CONTROL),
                nonBlank(conf, TOPIC_CONTROL_DLQ),
                redisUrl(conf),
                atLeast(conf, REDIS_BATCH_SIZE, 1),
                positive(conf, REDIS_FLUSH_INTERVAL),
                nonNegative(conf, REDIS_PROFILE_TTL),
                positive(conf, REDIS_TOMBSTONE_TTL),
                positive(conf, REDIS_MAX_BACKOFF),
                atLeast(conf, MAX_RECORD_BYTES, 256),
                atLeast(conf, DLQ_RAW_CAP_BYTES, 64),
                nonNegative(conf, OUT_OF_ORDERNESS),
                positive(conf, IDLENESS),
                nonNegative(conf, FUTURE_SKEW),
                money(conf),
                positive(conf, DEDUP_HORIZON),
                positive(conf, FLUSH_INTERVAL),
                positive(conf, FLUSH_MAX_INTERVAL),
                atLeast(conf, FLUSH_MAX_USERS, 1),
                atLeast(conf, SWEEP_RATE, 1),
                epoch(conf),
                nonBlank(conf, TOPIC_ALERTS),
                nonBlank(conf, TOPIC_ALERTS_CEP),
                nonBlank(conf, TOPIC_CHANGES),
                new Features(
                        zone(conf),
                        positive(conf, SESSION_GAP),
                        positive(conf, INTEREST_HALF_LIFE),
                        between(conf, INTEREST_CAPACITY, 1, 50),
                        nonNegative(conf, RETENTION),
                        positiveDouble(conf, PRIOR_ALPHA),
                        positiveDouble(conf, PRIOR_BETA)),
                new Quality(
                        between(conf, BOT_BURST_ACTIONS, 2, 30),
                        positive(conf, BOT_BURST_WINDOW),
                        between(conf, BOT_METRONOME_INTERVALS, 4, 30),
                        positiveDouble(conf, BOT_METRONOME_CV),
                        positive(conf, BOT_METRONOME_MAX_GAP),
                        atLeast(conf, BOT_VIEW_FLOOD, 2),
                        nonNegative(conf, ALERT_SUPPRESSION)),
                new Segments(
                        conf.get(SEGMENTS_ENABLED),
                        between(conf, SEGMENT_K, 2, 16),
                        positive(conf, SEGMENT_HALF_LIFE),
                        positive(conf, SEGMENT_UPDATE_INTERVAL),
                        atLeast(conf, SEGMENT_MIN_SAMPLES, 2),
                        atLeast(conf, SEGMENT_RESERVOIR, 16),
                        nonNegativeDouble(conf, SEGMENT_MARGIN),
                        fraction(conf, SEGMENT_RESEED_FRACTION),
                        positiveDouble(conf, SEGMENT_RESCORE_SHIFT),
                        nonNegative(conf, SEGMENT_RESCORE_MIN_INTERVAL)),
                new Predict(
                        conf.get(PREDICT_ENABLED),
                        nonBlank(conf, PREDICT_MODEL),
                        between(conf, PREDICT_BATCH_SIZE, 1, 4096),
                        between(conf, PREDICT_HISTORY, 1, 64),
                        nonNegative(conf, PREDICT_SILENCE_TICK),
                        between(conf, PREDICT_SILENCE_TICKS, 1, 1000)),
                anomaly(conf, money(conf)),
                recommend(conf));
    }

    private static Recommend recommend(Configuration conf) {
        int topN = between(conf, RECOMMEND_TOP_N, 1, 50);
        int candidates = between(conf, RECOMMEND_CANDIDATES, 1, 500);
        if (candidates < topN) {
            throw new IllegalArgumentException(
                    RECOMMEND_CANDIDATES.key()
                            + " ("
                            + candidates
                            + ") must be at least "
                            + RECOMMEND_TOP_N.key()
                            + " ("
                            + topN
                            + ").");
        }
        String log = conf.get(RECOMMEND_LOG_TOPIC);
        return new Recommend(
                conf.get(RECOMMEND_ENABLED),
                topN,
                between(conf, RECOMMEND_NEIGHBOURS, 1, 200),
                candidates,
                between(conf, RECOMMEND_RECENT_ITEMS, 1, 200),
                between(conf, RECOMMEND_TOUCHED_MEMORY, 1, 10_000),
                positive(conf, RECOMMEND_WINDOW),
                positive(conf, RECOMMEND_HALF_LIFE),
                positive(conf, RECOMMEND_USER_TTL),
                positive(conf, RECOMMEND_ITEM_TTL),
                log == null || log.isBlank() ? null : log.trim());
    }

    private static Anomaly anomaly(Configuration conf, Money money) {
        String small = conf.get(CARD_TESTING_MAX_AMOUNT);
        long smallMinor;
        try {
            smallMinor =
                    money.toBaseMinor(new java.math.BigDecimal(small.trim()), money.baseCurrency())
                            .orElseThrow();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    CARD_TESTING_MAX_AMOUNT.key()
                            + " must be a decimal amount in "
                            + money.baseCurrency()
                            + ", e.g. 2.00; got '"
                            + small
                            + "'");
        }
        return new Anomaly(
                conf.get(ANOMALY_ENABLED),
                between(conf, ATO_FAILED_LOGINS, 1, 50),
                positive(conf, ATO_WINDOW),
                positiveDouble(conf, ATO_AMOUNT_FACTOR),
                between(conf, CARD_TESTING_PURCHASES, 2, 100),
                smallMinor,
                positive(conf, CARD_TESTING_WINDOW),
                positiveDouble(conf, TRAVEL_MAX_KMH),
                nonNegativeDouble(conf, TRAVEL_MIN_KM),
                positiveDouble(conf, SPEND_SPIKE_Z),
                atLeast(conf, SPEND_SPIKE_MIN_ORDERS, 2),
                fraction(conf, SPEND_SPIKE_MIN_SPREAD),
                between(conf, REFUND_ABUSE_REFUNDS, 2, 100),
                positive(conf, REFUND_ABUSE_WINDOW),
                nonNegative(conf, ANOMALY_SUPPRESSION),
                between(conf, REDIS_ALERTS_KEEP, 1, 10_000),
                positive(conf, REDIS_ALERTS_TTL),
                positive(conf, RULES_BUCKET),
                nonNegative(conf, RULES_HISTORY),
                positive(conf, RISK_HALF_LIFE),
                fraction(conf, RISK_THRESHOLD));
    }

    public static PortraitConfig defaults() {
        return from(new Configuration());
    }

    /** A copy with other settings on top, for tests and the demo. */
    public PortraitConfig with(Map<String, String> overrides) {
        Configuration conf = toConfiguration();
        overrides.forEach(conf::setString);
        return from(conf);
    }

    /** The settings as Flink configuration keys (the inverse of {@link #from}). */
    public Configuration toConfiguration() {
        Configuration conf = new Configuration();
        conf.set(KAFKA_BOOTSTRAP, kafkaBootstrap);
        conf.set(KAFKA_GROUP_ID, kafkaGroupId);
        conf.set(KAFKA_STOP_AT_END, kafkaStopAtEnd);
        if (kafkaPropertiesFile != null) {
            conf.set(KAFKA_PROPERTIES_FILE, kafkaPropertiesFile);
        }
        conf.set(TOPIC_EVENTS, eventsTopic);
        conf.set(TOPIC_DLQ, dlqTopic);
        conf.set(TOPIC_CONTROL, controlTopic);
        conf.set(TOPIC_CONTROL_DLQ, controlDlqTopic);
        conf.set(REDIS_URL, redisUrl);
        conf.set(REDIS_BATCH_SIZE, redisBatchSize);
        conf.set(REDIS_FLUSH_INTERVAL, redisFlushInterval);
        conf.set(REDIS_PROFILE_TTL, redisProfileTtl);
        conf.set(REDIS_TOMBSTONE_TTL, redisTombstoneTtl);
        conf.set(REDIS_MAX_BACKOFF, redisMaxBackoff);
        conf.set(MAX_RECORD_BYTES, maxRecordBytes);
        conf.set(DLQ_RAW_CAP_BYTES, dlqRawCapBytes);
        conf.set(OUT_OF_ORDERNESS, outOfOrderness);
        conf.set(IDLENESS, idleness);
        conf.set(FUTURE_SKEW, futureSkew);
        conf.set(BASE_CURRENCY, money.baseCurrency());
        conf.set(FX_RATES, money.ratesSpec());
        conf.set(DEDUP_HORIZON, dedupHorizon);
        conf.set(FLUSH_INTERVAL, flushInterval);
        conf.set(FLUSH_MAX_INTERVAL, flushMaxInterval);
        conf.set(FLUSH_MAX_USERS, flushMaxUsers);
        conf.set(SWEEP_RATE, sweepRate);
        conf.set(PROFILE_EPOCH, epoch);
        conf.set(TOPIC_ALERTS, alertsTopic);
        conf.set(TOPIC_ALERTS_CEP, alertsCepTopic);
        conf.set(TOPIC_CHANGES, changesTopic);
        conf.set(DEFAULT_TZ, features.defaultZone().getId());
        conf.set(SESSION_GAP, features.sessionGap());
        conf.set(INTEREST_HALF_LIFE, features.interestHalfLife());
        conf.set(INTEREST_CAPACITY, features.interestCapacity());
        conf.set(RETENTION, features.retention());
        conf.set(PRIOR_ALPHA, features.priorAlpha());
        conf.set(PRIOR_BETA, features.priorBeta());
        conf.set(BOT_BURST_ACTIONS, quality.burstActions());
        conf.set(BOT_BURST_WINDOW, quality.burstWindow());
        conf.set(BOT_METRONOME_INTERVALS, quality.metronomeIntervals());
        conf.set(BOT_METRONOME_CV, quality.metronomeCv());
        conf.set(BOT_METRONOME_MAX_GAP, quality.metronomeMaxGap());
        conf.set(BOT_VIEW_FLOOD, quality.viewFlood());
        conf.set(ALERT_SUPPRESSION, quality.alertSuppression());
        conf.set(SEGMENTS_ENABLED, segments.enabled());
        conf.set(SEGMENT_K, segments.k());
        conf.set(SEGMENT_HALF_LIFE, segments.halfLife());
        conf.set(SEGMENT_UPDATE_INTERVAL, segments.updateInterval());
        conf.set(SEGMENT_MIN_SAMPLES, segments.minSamples());
        conf.set(SEGMENT_RESERVOIR, segments.reservoir());
        conf.set(SEGMENT_MARGIN, segments.margin());
        conf.set(SEGMENT_RESEED_FRACTION, segments.reseedFraction());
        conf.set(SEGMENT_RESCORE_SHIFT, segments.rescoreShift());
        conf.set(SEGMENT_RESCORE_MIN_INTERVAL, segments.rescoreMinInterval());
        conf.set(PREDICT_ENABLED, predict.enabled());
        conf.set(PREDICT_MODEL, predict.model());
        conf.set(PREDICT_BATCH_SIZE, predict.batchSize());
        conf.set(PREDICT_HISTORY, predict.history());
        conf.set(PREDICT_SILENCE_TICK, predict.silenceTick());
        conf.set(PREDICT_SILENCE_TICKS, predict.silenceTicks());
        conf.set(RECOMMEND_ENABLED, recommend.enabled());
        conf.set(RECOMMEND_TOP_N, recommend.topN());
        conf.set(RECOMMEND_NEIGHBOURS, recommend.neighbours());
        conf.set(RECOMMEND_CANDIDATES, recommend.candidates());
        conf.set(RECOMMEND_RECENT_ITEMS, recommend.recentItems());
        conf.set(RECOMMEND_TOUCHED_MEMORY, recommend.touchedMemory());
        conf.set(RECOMMEND_WINDOW, recommend.window());
        conf.set(RECOMMEND_HALF_LIFE, recommend.halfLife());
        conf.set(RECOMMEND_USER_TTL, recommend.userTtl());
        conf.set(RECOMMEND_ITEM_TTL, recommend.itemTtl());
        if (recommend.logTopic() != null) {
            conf.set(RECOMMEND_LOG_TOPIC, recommend.logTopic());
        }
        conf.set(ANOMALY_ENABLED, anomaly.enabled());
        conf.set(ATO_FAILED_LOGINS, anomaly.atoFailedLogins());
        conf.set(ATO_WINDOW, anomaly.atoWindow());
        conf.set(ATO_AMOUNT_FACTOR, anomaly.atoAmountFactor());
        conf.set(CARD_TESTING_PURCHASES, anomaly.cardTestingPurchases());
        conf.set(
                CARD_TESTING_MAX_AMOUNT,
                money.fromBaseMinor(anomaly.cardTestingMaxMinor()).toPlainString());
        conf.set(CARD_TESTING_WINDOW, anomaly.cardTestingWindow());
        conf.set(TRAVEL_MAX_KMH, anomaly.travelMaxKmh());
        conf.set(TRAVEL_MIN_KM, anomaly.travelMinKm());
        conf.set(SPEND_SPIKE_Z, anomaly.spendSpikeZ());
        conf.set(SPEND_SPIKE_MIN_ORDERS, anomaly.spendSpikeMinOrders());
        conf.set(SPEND_SPIKE_MIN_SPREAD, anomaly.spendSpikeMinSpread());
        conf.set(REFUND_ABUSE_REFUNDS, anomaly.refundAbuseRefunds());
        conf.set(REFUND_ABUSE_WINDOW, anomaly.refundAbuseWindow());
        conf.set(ANOMALY_SUPPRESSION, anomaly.suppression());
        conf.set(REDIS_ALERTS_KEEP, anomaly.redisAlertsKeep());
        conf.set(REDIS_ALERTS_TTL, anomaly.redisAlertsTtl());
        conf.set(RULES_BUCKET, anomaly.rulesBucket());
        conf.set(RULES_HISTORY, anomaly.rulesHistory());
        conf.set(RISK_HALF_LIFE, anomaly.riskHalfLife());
        conf.set(RISK_THRESHOLD, anomaly.riskThreshold());
        return conf;
    }

    private static void rejectUnknownKeys(Configuration conf) {
        java.util.Set<String> known = new java.util.HashSet<>();
        for (java.lang.reflect.Field f : PortraitOptions.class.getFields()) {
            try {
                known.add(((ConfigOption<?>) f.get(null)).key());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        for (String key : conf.keySet()) {
            if (key.startsWith("portrait.") && !known.contains(key)) {
                throw new IllegalArgumentException(
                        "Unknown setting '"
                                + key
                                + "'. Known settings: "
                                + new java.util.TreeSet<>(known));
            }
        }
    }

    private static <T> T get(Configuration conf, ConfigOption<T> option) {
        try {
            return conf.get(option);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "Setting '" + option.key() + "' has an invalid value: " + e.getMessage(), e);
        }
    }

    /** The file, checked now (readable, variables set) so a bad one fails at submission. */
    private static String kafkaPropertiesFile(Configuration conf) {
        String file = conf.get(KAFKA_PROPERTIES_FILE);
        if (file == null || file.isBlank()) {
            return null;
        }
        KafkaClientProperties.load(file);
        return file;
    }

    /**
     * Kafka client settings of {@code portrait.kafka.properties-file} plus the bootstrap servers,
     * for a client portrait creates (resolved from this process's environment).
     */
    public java.util.Properties kafkaClientProperties() {
        java.util.Properties p = KafkaClientProperties.load(kafkaPropertiesFile);
        p.setProperty("bootstrap.servers", kafkaBootstrap);
        return p;
    }

    private static String nonBlank(Configuration conf, ConfigOption<String> option) {
        String v = get(conf, option);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("Setting '" + option.key() + "' must not be empty.");
        }
        return v.trim();
    }

    private static int atLeast(Configuration conf, ConfigOption<Integer> option, int min) {
        int v = get(conf, option);
        if (v < min) {
            throw new IllegalArgumentException(
                    "Setting '"
                            + option.key()
                            + "' is "
                            + v
                            + "; it must be at least "
                            + min
                            + ".");
        }
        return v;
    }

    private static int between(Configuration conf, ConfigOption<Integer> option, int min, int max) {
        int v = get(conf, option);
        if (v < min || v > max) {
            throw new IllegalArgumentException(
                    "Setting '"
                            + option.key()
                            + "' is "
                            + v
                            + "; it must be in "
                            + min
                            + ".."
                            + max
                            + ".");
        }
        return v;
    }

    private static double positiveDouble(Configuration conf, ConfigOption<Double> option) {
        double v = get(conf, option);
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(
                    "Setting '" + option.key() + "' is " + v + "; it must be a positive number.");
        }
        return v;
    }

    private static double fraction(Configuration conf, ConfigOption<Double> option) {
        double v = get(conf, option);
        if (!(v > 0) || v > 1) {
            throw new IllegalArgumentException(
                    "Setting '" + option.key() + "' is " + v + "; it must be in (0, 1].");
        }
        return v;
    }

    private static double nonNegativeDouble(Configuration conf, ConfigOption<Double> option) {
        double v = get(conf, option);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(
                    "Setting '" + option.key() + "' is " + v + "; it must be zero or positive.");
        }
        return v;
    }

    private static ZoneId zone(Configuration conf) {
        String z = nonBlank(conf, DEFAULT_TZ);
        try {
            return ZoneId.of(z);
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException(
                    "Setting '"
                            + DEFAULT_TZ.key()
                            + "' is '"
                            + z
                            + "', which is not a zone id (e.g. UTC, Europe/London).");
        }
    }

    private static Duration positive(Configuration conf, ConfigOption<Duration> option) {
        Duration d = get(conf, option);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(
                    "Setting '"
                            + option.key()
                            + "' is "
                            + d
                            + "; it must be positive (e.g. 30 s).");
        }
        return d;
    }

    private static Duration nonNegative(Configuration conf, ConfigOption<Duration> option) {
        Duration d = get(conf, option);
        if (d.isNegative()) {
            throw new IllegalArgumentException(
                    "Setting '" + option.key() + "' is " + d + "; it must not be negative.");
        }
        return d;
    }

    private static String redisUrl(Configuration conf) {
        String url = nonBlank(conf, REDIS_URL);
        RedisAddress.parse(url, REDIS_URL.key());
        return url;
    }

    private static long epoch(Configuration conf) {
        long e = get(conf, PROFILE_EPOCH);
        if (e < 0) {
            throw new IllegalArgumentException(
                    "Setting '" + PROFILE_EPOCH.key() + "' must be 0 (start time) or positive.");
        }
        return e;
    }

    private static Money money(Configuration conf) {
        String base = nonBlank(conf, BASE_CURRENCY).toUpperCase(java.util.Locale.ROOT);
        try {
            Currency.getInstance(base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Setting '"
                            + BASE_CURRENCY.key()
                            + "' is '"
                            + base
                            + "', which is not an ISO 4217 currency code (e.g. GBP).");
        }
        Map<String, BigDecimal> rates = new TreeMap<>();
        String spec = get(conf, FX_RATES);
        for (String entry : spec.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] kv = entry.trim().split("=");
            String code = kv[0].trim().toUpperCase(java.util.Locale.ROOT);
            BigDecimal rate;
            try {
                if (kv.length != 2) {
                    throw new NumberFormatException();
                }
                Currency.getInstance(code);
                rate = new BigDecimal(kv[1].trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Setting '"
                                + FX_RATES.key()
                                + "' has a bad entry '"
                                + entry.trim()
                                + "'; write CODE=rate with an ISO 4217 code, e.g. EUR=0.85.");
            }
            if (rate.signum() <= 0) {
                throw new IllegalArgumentException(
                        "Setting '"
                                + FX_RATES.key()
                                + "': the rate of "
                                + code
                                + " must be positive.");
            }
            rates.put(code, rate);
        }
        rates.put(base, BigDecimal.ONE);
        return new Money(base, rates);
    }
}
