package io.portrait.user;

import static io.portrait.testing.TestEvents.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portrait.anomaly.Alert;
import io.portrait.anomaly.Detectors;
import io.portrait.anomaly.Enriched;
import io.portrait.anomaly.RiskSignal;
import io.portrait.anomaly.Suppression;
import io.portrait.common.Hashing;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.predict.PredictionState;
import io.portrait.predict.StepInput;
import io.portrait.profile.CoreModule;
import io.portrait.profile.RiskState;
import io.portrait.quality.BotState;
import io.portrait.quality.Quality;
import io.portrait.segment.ClusterDelta;
import io.portrait.segment.SegmentAssign;
import io.portrait.segment.SegmentState;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The one state value per user: every module's record round-trips through the codec on random
 * states, the codec never shares a buffer, refuses a format it does not know with a message, and a
 * user's value stays within its budget.
 */
class UserStateCodecTest {
    static final long T0 = 1_764_000_000_000L;
    static final long DAY = 86_400_000L;
    static final PortraitConfig CONFIG = PortraitConfig.defaults();
    static final EventType[] TYPES = {
        EventType.VIEW,
        EventType.CLICK,
        EventType.SEARCH,
        EventType.ADD_TO_CART,
        EventType.PURCHASE,
        EventType.REFUND,
        EventType.LOGIN,
        EventType.LOGIN_FAILED,
        EventType.PROFILE_UPDATE,
        EventType.LIKE
    };

    /** A user after {@code n} random events through every module, as the operator runs them. */
    static UserState user(Random r, int n, long spacing) {
        CoreModule core = new CoreModule(CONFIG);
        Quality quality = new Quality(CONFIG);
        Detectors detectors = new Detectors(CONFIG);
        SegmentAssign segments = new SegmentAssign(CONFIG);
        CoreModule.Counters none = CoreModule.Counters.NONE;
        UserState s = new UserState();
        s.bot = new BotState();
        s.detectors = new Detectors.State();
        s.suppression = new Suppression();
        s.risk = new RiskState();
        s.segment = new SegmentState();
        s.prediction = new PredictionState();
        long ts = T0;
        for (int i = 0; i < n; i++) {
            ts += 1 + r.nextInt((int) spacing);
            EventType t = TYPES[r.nextInt(TYPES.length)];
            Event e =
                    at("user-" + r.nextInt(1000), "event-" + r.nextLong(), t, ts)
                            .category("category-" + r.nextInt(30))
                            .order(t == EventType.PURCHASE ? "order-" + (i / 3) : null)
                            .amount(r.nextInt(50_000))
                            .device(r.nextBoolean() ? "mobile" : "desktop")
                            .tz(r.nextBoolean() ? "Europe/London" : "Asia/Shanghai")
                            .geo(50 + r.nextDouble(), r.nextDouble(), "GB")
                            .attrs(18 + r.nextInt(60), r.nextBoolean() ? "f" : "m")
                            .build();
            s.eventIds.add(Hashing.hash64(e.eventId()), ts, DAY, UserOperator.EVENT_IDS);
            Quality.Result q = quality.apply(s.bot, e, 0, x -> {});
            Enriched enriched = CoreModule.enrich(q.event(), s.core);
            s.core.version++;
            core.apply(s.core, s.orderIds, q.event(), Long.MIN_VALUE, none);
            detectors.apply(
                    s.detectors,
                    enriched,
                    0,
                    a -> {
                        if (s.suppression.admit(a, DAY, Long.MIN_VALUE)) {
                            s.suppression.seen(a.alertId());
                            s.risk.add(RiskSignal.of(a), DAY);
                        }
                    });
            s.prediction.remember(StepInput.of(q.event()), CONFIG.predict().history());
        }
        segments.assign(
                s.segment, s.core, "u", null, ClusterDelta.empty(segments.buckets()), (a, b) -> {});
        s.prediction.h = floats(r, 32);
        s.prediction.c = floats(r, 32);
        s.prediction.nextAction = floats(r, io.portrait.predict.Encoding.CLASSES);
        s.prediction.modelDigest = new byte[32];
        r.nextBytes(s.prediction.modelDigest);
        s.prediction.modelVersion = "next-action@" + r.nextInt(20);
        s.prediction.lastTs = ts;
        s.revision = r.nextInt(5);
        s.silenceAt = r.nextBoolean() ? 0 : ts + DAY;
        s.timerAt = ts + DAY;
        return s;
    }

    static float[] floats(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat() * 2 - 1;
        }
        return a;
    }

    @Test
    void everyModuleRoundTripsOnRandomStates() {
        Random r = new Random(3);
        for (int run = 0; run < 300; run++) {
            UserState s = user(r, 1 + r.nextInt(300), 1 + r.nextInt(600_000));
            if (r.nextInt(4) == 0) {
                s.bot = null;
                s.detectors = null;
                s.suppression = null;
            }
            if (r.nextInt(4) == 0) {
                s.risk = null;
                s.segment = null;
                s.prediction = null;
            }
            byte[] bytes = UserStateCodec.encode(s);
            UserState back = UserStateCodec.decode(bytes);
            // The bot ring is stored oldest first: the same actions, maybe at other positions.
            assertThat(back)
                    .as("run %d", run)
                    .usingRecursiveComparison()
                    .ignoringFields(
                            "queued",
                            "changed",
                            "renderNeeded",
                            "bot.actionTs",
                            "bot.next",
                            "eventIds",
                            "orderIds",
                            "prediction.modelDigest")
                    .isEqualTo(s);
            if (s.prediction != null) {
                assertThat(back.prediction.modelDigest)
                        .as("a 64-bit prefix of the model's digest")
                        .containsExactly(java.util.Arrays.copyOf(s.prediction.modelDigest, 8));
            }
            assertThat(back.eventIds.sameAs(s.eventIds)).as("run %d event ids", run).isTrue();
            assertThat(back.orderIds.sameAs(s.orderIds)).as("run %d order ids", run).isTrue();
            if (s.bot != null) {
                for (int k = 1; k <= s.bot.size; k++) {
                    assertThat(back.bot.action(k))
                            .as("run %d action %d", run, k)
                            .isEqualTo(s.bot.action(k));
                }
            }
            assertThat(UserStateCodec.encode(back)).as("stable").isEqualTo(bytes);
        }
        UserState erased = UserState.erased(42);
        assertThat(UserStateCodec.decode(UserStateCodec.encode(erased)).core.version).isEqualTo(42);
        assertThat(UserStateCodec.decode(UserStateCodec.encode(erased)).isErased()).isTrue();
    }

    @Test
    void neverSharesABuffer() {
        UserState s = user(new Random(1), 50, 60_000);
        byte[] a = UserStateCodec.encode(s);
        byte[] b = UserStateCodec.encode(s);
        assertThat(a).isNotSameAs(b).isEqualTo(b);
        UserState back = UserStateCodec.decode(a);
        java.util.Arrays.fill(a, (byte) 0);
        assertThat(UserStateCodec.encode(back)).as("decoded state owns its data").isEqualTo(b);
    }

    @Test
    void anUnknownFormatIsRefusedWithAMessage() {
        byte[] bytes = UserStateCodec.encode(user(new Random(2), 5, 60_000));
        bytes[0] = (byte) (UserStateCodec.FORMAT + 1);
        assertThatThrownBy(() -> UserStateCodec.decode(bytes))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("format version " + (UserStateCodec.FORMAT + 1))
                .hasMessageContaining("reads up to " + UserStateCodec.FORMAT);
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length / 2);
        cut[0] = UserStateCodec.FORMAT;
        assertThatThrownBy(() -> UserStateCodec.decode(cut))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("truncated");
    }

    /**
     * The budget: a typical user (ten events in a day, every module on) well under 2 KiB; a heavy
     * user (5 000 events over a year, 30 categories, hundreds of orders) under 2 KiB once its
     * short-lived state (ids of the last day, bot ring, detectors) has gone.
     */
    @Test
    void aUserFitsTheBudget() {
        UserState typical = user(new Random(5), 10, DAY / 10);
        int typicalBytes = UserStateCodec.encode(typical).length;
        UserState heavy = user(new Random(9), 5_000, DAY / 20);
        int heavyBytes = UserStateCodec.encode(heavy).length;
        heavy.eventIds = new io.portrait.dedup.SeenIds();
        heavy.orderIds = new io.portrait.dedup.SeenIds();
        heavy.bot = null;
        heavy.detectors = null;
        heavy.suppression = null;
        int heavyQuietBytes = UserStateCodec.encode(heavy).length;
        System.err.printf(
                "user state: typical %d B, heavy %d B (quiet %d B)%n",
                typicalBytes, heavyBytes, heavyQuietBytes);
        assertThat(heavy.core.orders).isGreaterThan(100);
        assertThat(typicalBytes).isLessThanOrEqualTo(1_536);
        assertThat(heavyQuietBytes).isLessThanOrEqualTo(2_048);
    }

    @Test
    void anAlertIdHashIsWhatReadBackDeduplicationKeeps() {
        Alert a = Alert.of("u", "r", 1, "high", T0, 0, new String[] {"x"}, "{}");
        Suppression s = new Suppression();
        assertThat(s.seen(a.alertId())).isFalse();
        UserState u = new UserState();
        u.suppression = s;
        UserState back = UserStateCodec.decode(UserStateCodec.encode(u));
        assertThat(back.suppression.seen(a.alertId())).isTrue();
    }
}
