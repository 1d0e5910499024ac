package io.portrait.anomaly;

import static io.portrait.testing.TestEvents.at;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Table-driven: each case is one user's events (with the statistics from before each event, as the
 * profile core attaches them) and the alerts expected — near misses and hard negatives expect none.
 * The CEP patterns run in a real Flink job (event time, bounded out-of-orderness 2 s); the keyed
 * detectors and suppression run as the user operator runs them, per user in event order.
 */
class PatternsTest {
    static final long T0 = 1_764_000_000_000L;
    static final long SEC = 1000;
    static final long MIN = 60 * SEC;
    static final long DAY = 24 * 60 * MIN;
    static final PortraitConfig CONFIG = PortraitConfig.defaults();

    /** One case: a user, the events, the rules expected to alert (in order). */
    record Case(String user, List<Enriched> events, List<String> expected) {}

    static final List<Case> CASES = new ArrayList<>();
    static final Map<String, List<Alert>> ALERTS = new TreeMap<>();

    static Enriched e(Event event) {
        return new Enriched(event, 0, Double.NaN, Double.NaN);
    }

    /** A purchase with a history of {@code orders} orders around {@code median}. */
    static Enriched purchase(
            String user, String id, long ts, long amount, long orders, long median) {
        Event ev = at(user, id, EventType.PURCHASE, ts).amount(amount).order("o-" + id).build();
        return new Enriched(ev, orders, median, median * 0.4);
    }

    static Enriched type(String user, String id, EventType t, long ts) {
        return e(at(user, id, t, ts).build());
    }

    static Enriched small(String user, String id, long ts, String order) {
        return e(at(user, id, EventType.PURCHASE, ts).amount(99).order(order).build());
    }

    static Enriched located(String user, String id, long ts, double lat, double lon, String c) {
        return e(at(user, id, EventType.LOGIN, ts).geo(lat, lon, c).build());
    }

    static Enriched refund(String user, String id, long ts) {
        return e(at(user, id, EventType.REFUND, ts).amount(500).build());
    }

    static void add(String user, List<String> expected, Enriched... events) {
        CASES.add(new Case(user, List.of(events), expected));
    }

    static {
        String ato = Patterns.ACCOUNT_TAKEOVER;
        add(
                "ato-password",
                List.of(ato),
                type("ato-password", "f1", EventType.LOGIN_FAILED, T0),
                type("ato-password", "f2", EventType.LOGIN_FAILED, T0 + 10 * SEC),
                type("ato-password", "f3", EventType.LOGIN_FAILED, T0 + 20 * SEC),
                type("ato-password", "l", EventType.LOGIN, T0 + 30 * SEC),
                type("ato-password", "v", EventType.VIEW, T0 + 40 * SEC),
                type("ato-password", "p", EventType.PASSWORD_CHANGE, T0 + 2 * MIN));
        // The takeover's purchase is also far above the user's usual spend: two rules, two alerts.
        add(
                "ato-purchase",
                List.of(ato, Patterns.SPEND_SPIKE),
                type("ato-purchase", "f1", EventType.LOGIN_FAILED, T0),
                type("ato-purchase", "f2", EventType.LOGIN_FAILED, T0 + SEC),
                type("ato-purchase", "f3", EventType.LOGIN_FAILED, T0 + 2 * SEC),
                type("ato-purchase", "f4", EventType.LOGIN_FAILED, T0 + 3 * SEC),
                type("ato-purchase", "l", EventType.LOGIN, T0 + 4 * SEC),
                purchase("ato-purchase", "big", T0 + 5 * MIN, 90_000, 12, 2_000));
        // Out of order inside the allowed lateness: the login arrives before the last failure.
        add(
                "ato-out-of-order",
                List.of(ato),
                type("ato-out-of-order", "f1", EventType.LOGIN_FAILED, T0),
                type("ato-out-of-order", "f2", EventType.LOGIN_FAILED, T0 + SEC),
                type("ato-out-of-order", "l", EventType.LOGIN, T0 + 3 * SEC),
                type("ato-out-of-order", "f3", EventType.LOGIN_FAILED, T0 + 2 * SEC),
                type("ato-out-of-order", "p", EventType.PASSWORD_CHANGE, T0 + MIN));
        // Hard negative: forgot the password twice (N = 3), logged in, changed it.
        add(
                "ato-forgetful",
                List.of(),
                type("ato-forgetful", "f1", EventType.LOGIN_FAILED, T0),
                type("ato-forgetful", "f2", EventType.LOGIN_FAILED, T0 + SEC),
                type("ato-forgetful", "l", EventType.LOGIN, T0 + 2 * SEC),
                type("ato-forgetful", "p", EventType.PASSWORD_CHANGE, T0 + MIN));
        // Near miss: failures and a login, a usual purchase, the change after the window.
        add(
                "ato-too-late",
                List.of(),
                type("ato-too-late", "f1", EventType.LOGIN_FAILED, T0),
                type("ato-too-late", "f2", EventType.LOGIN_FAILED, T0 + SEC),
                type("ato-too-late", "f3", EventType.LOGIN_FAILED, T0 + 2 * SEC),
                type("ato-too-late", "l", EventType.LOGIN, T0 + 3 * SEC),
                purchase("ato-too-late", "usual", T0 + MIN, 2_100, 12, 2_000),
                type("ato-too-late", "p", EventType.PASSWORD_CHANGE, T0 + 45 * MIN));

        String card = Patterns.CARD_TESTING;
        add(
                "card-5",
                List.of(card),
                small("card-5", "c1", T0, "o1"),
                small("card-5", "c2", T0 + 5 * SEC, "o2"),
                small("card-5", "c3", T0 + 10 * SEC, "o3"),
                small("card-5", "c4", T0 + 15 * SEC, "o4"),
                small("card-5", "c5", T0 + 20 * SEC, "o5"));
        // Hard negative: a wholesale order of many cheap lines is one purchase.
        add(
                "card-wholesale",
                List.of(),
                small("card-wholesale", "w1", T0, "o1"),
                small("card-wholesale", "w2", T0 + SEC, "o1"),
                small("card-wholesale", "w3", T0 + 2 * SEC, "o1"),
                small("card-wholesale", "w4", T0 + 3 * SEC, "o1"),
                small("card-wholesale", "w5", T0 + 4 * SEC, "o1"),
                small("card-wholesale", "w6", T0 + 5 * SEC, "o2"));
        // Near miss: five small orders, but over two minutes.
        add(
                "card-slow",
                List.of(),
                small("card-slow", "s1", T0, "o1"),
                small("card-slow", "s2", T0 + 30 * SEC, "o2"),
                small("card-slow", "s3", T0 + 60 * SEC, "o3"),
                small("card-slow", "s4", T0 + 90 * SEC, "o4"),
                small("card-slow", "s5", T0 + 120 * SEC, "o5"));
        // Ten in a burst: two matches, the second suppressed.
        Enriched[] ten = new Enriched[10];
        for (int i = 0; i < 10; i++) {
            ten[i] = small("card-10", "t" + i, T0 + i * 2 * SEC, "o" + i);
        }
        add("card-10", List.of(card), ten);

        String travel = Patterns.IMPOSSIBLE_TRAVEL;
        add(
                "travel-jump",
                List.of(travel),
                located("travel-jump", "lon", T0, 51.5, -0.12, "GB"),
                type("travel-jump", "v", EventType.VIEW, T0 + 10 * MIN),
                located("travel-jump", "syd", T0 + 60 * MIN, -33.87, 151.21, "AU"));
        // Hard negative: London to New York in eight hours is an airliner.
        add(
                "travel-airliner",
                List.of(),
                located("travel-airliner", "lon", T0, 51.5, -0.12, "GB"),
                located("travel-airliner", "nyc", T0 + 8 * 60 * MIN, 40.71, -74.01, "US"));
        // Near miss: a short hop (geo-IP jitter) at an absurd speed.
        add(
                "travel-jitter",
                List.of(),
                located("travel-jitter", "a", T0, 51.5, -0.12, "GB"),
                located("travel-jitter", "b", T0 + SEC, 51.6, -0.5, "GB"));

        String spike = Patterns.SPEND_SPIKE;
        add("spike-big", List.of(spike), purchase("spike-big", "x", T0, 80_000, 10, 2_000));
        add("spike-no-history", List.of(), purchase("spike-no-history", "x", T0, 80_000, 2, 2_000));
        add("spike-usual", List.of(), purchase("spike-usual", "x", T0, 2_600, 10, 2_000));

        add(
                "refunder",
                List.of(Patterns.REFUND_ABUSE),
                refund("refunder", "r0", T0),
                refund("refunder", "r1", T0 + DAY),
                refund("refunder", "r2", T0 + 2 * DAY),
                refund("refunder", "r3", T0 + 3 * DAY));
        add(
                "refunder-slow",
                List.of(),
                refund("refunder-slow", "r0", T0),
                refund("refunder-slow", "r1", T0 + 3 * DAY),
                refund("refunder-slow", "r2", T0 + 6 * DAY),
                refund("refunder-slow", "r3", T0 + 9 * DAY));
    }

    @BeforeAll
    static void runAllCasesInOneJob() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        List<Enriched> input = new ArrayList<>();
        CASES.forEach(c -> input.addAll(c.events()));
        DataStream<Enriched> events =
                env.fromData(TypeInformation.of(Enriched.class), input.toArray(new Enriched[0]))
                        .setParallelism(1)
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<Enriched>forBoundedOutOfOrderness(
                                                Duration.ofSeconds(2))
                                        .withTimestampAssigner((e, t) -> e.event().ts()))
                        .setParallelism(1);
        Map<String, List<Alert>> cep = new TreeMap<>();
        DataStream<Alert> alerts = Anomalies.detect(events.keyBy(e -> e.event().userId()), CONFIG);
        try (var it = alerts.executeAndCollect()) {
            while (it.hasNext()) {
                Alert a = it.next();
                cep.computeIfAbsent(a.userId(), u -> new ArrayList<>()).add(a);
            }
        }
        // The keyed detectors over each user's events in order, then suppression, as the user
        // operator runs them; CEP's matches come back through the loop topic after them.
        Detectors detectors = new Detectors(CONFIG);
        long window = CONFIG.anomaly().suppression().toMillis();
        for (Case c : CASES) {
            List<Alert> raw = new ArrayList<>();
            Detectors.State state = new Detectors.State();
            for (Enriched e : c.events()) {
                detectors.apply(state, e, 0, raw::add);
            }
            raw.addAll(cep.getOrDefault(c.user(), List.of()));
            Suppression suppression = new Suppression();
            for (Alert a : raw) {
                if (suppression.admit(a, window, Long.MIN_VALUE)) {
                    ALERTS.computeIfAbsent(a.userId(), u -> new ArrayList<>()).add(a);
                }
            }
        }
    }

    @Test
    void everyCaseAlertsExactlyAsExpected() {
        Map<String, List<String>> expected = new TreeMap<>();
        Map<String, List<String>> actual = new TreeMap<>();
        for (Case c : CASES) {
            expected.put(c.user(), c.expected().stream().sorted().toList());
            actual.put(
                    c.user(),
                    ALERTS.getOrDefault(c.user(), List.of()).stream()
                            .map(Alert::rule)
                            .sorted()
                            .toList());
        }
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void alertsExplainThemselves() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Alert ato =
                ALERTS.get("ato-purchase").stream()
                        .filter(a -> a.rule().equals(Patterns.ACCOUNT_TAKEOVER))
                        .findFirst()
                        .orElseThrow();
        assertThat(ato.eventIds()).containsExactly("f1", "f2", "f3", "f4", "l", "big");
        JsonNode d = json.readTree(ato.detailsJson());
        assertThat(d.get("trigger").asText()).isEqualTo("purchase");
        assertThat(d.get("amount").asDouble()).isEqualTo(900.0);
        assertThat(d.get("median_order").asDouble()).isEqualTo(20.0);
        assertThat(d.get("failed_logins").asInt()).isEqualTo(4);
        assertThat(ato.severity()).isEqualTo("high");
        // The id is a function of (rule, version, user, evidence as a set): the same in any order.
        assertThat(ato.alertId())
                .isEqualTo(
                        Alert.id(
                                "account_takeover",
                                1,
                                "ato-purchase",
                                new String[] {"big", "l", "f4", "f3", "f2", "f1"}))
                .isNotEqualTo(
                        Alert.id(
                                "account_takeover",
                                1,
                                "ato-purchase",
                                new String[] {"big", "l", "f4", "f3", "f2"}))
                .as("another rule version or user is another alert")
                .isNotEqualTo(
                        Alert.id(
                                "account_takeover",
                                2,
                                "ato-purchase",
                                new String[] {"f1", "f2", "f3", "f4", "l", "big"}))
                .isNotEqualTo(
                        Alert.id(
                                "account_takeover",
                                1,
                                "someone-else",
                                new String[] {"f1", "f2", "f3", "f4", "l", "big"}));

        JsonNode travel = json.readTree(ALERTS.get("travel-jump").get(0).detailsJson());
        assertThat(travel.get("km").asLong()).isBetween(16_900L, 17_050L);
        assertThat(travel.get("kmh").asLong()).isGreaterThan(16_000L);
        assertThat(travel.get("to_country").asText()).isEqualTo("AU");

        JsonNode spike = json.readTree(ALERTS.get("spike-big").get(0).detailsJson());
        assertThat(spike.get("z").asDouble()).isGreaterThan(spike.get("z_threshold").asDouble());

        Alert card = ALERTS.get("card-10").get(0);
        assertThat(card.eventIds()).as("the first five distinct orders").hasSize(5);
    }

    @Test
    void distancesAreGreatCircle() {
        assertThat(Detectors.km(51.5074, -0.1278, 40.7128, -74.0060)).isBetween(5_560.0, 5_580.0);
        assertThat(Detectors.km(0, 0, 0, 0)).isZero();
    }
}
