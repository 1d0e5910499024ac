package io.portrait.profile;

import static io.portrait.testing.TestEvents.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.quality.BotState;
import io.portrait.quality.DataQualityFunction;
import io.portrait.testing.Harnesses;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The profile state of a heavy user — everything the data-quality stage and the profile core keep
 * for one user, serialized as Flink stores it — stays within the 2 KiB budget.
 */
class StateBudgetTest {

    static final long DAY = 86_400_000L;
    static final long T0 = 1_764_000_000_000L;

    static <T> int bytes(Class<T> type, T value) throws Exception {
        TypeSerializer<T> s = TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(value, out);
        return out.length();
    }

    @Test
    void aHeavyUserFitsInTwoKibibytes() throws Exception {
        PortraitConfig config = PortraitConfig.defaults();
        Random r = new Random(9);
        String[] devices = {"mobile", "desktop", "tablet", "tv"};
        String[] zones = {"Europe/London", "Asia/Shanghai", "America/New_York"};
        try (var dq =
                        Harnesses.keyed(
                                new DataQualityFunction(config),
                                Event::userId,
                                Harnesses.heap(),
                                null);
                var core =
                        Harnesses.keyed(
                                new ProfileCoreFunction(config),
                                Event::userId,
                                Harnesses.heap(),
                                null)) {
            long ts = T0;
            for (int i = 0; i < 5_000; i++) {
                ts += r.nextInt((int) (DAY / 20));
                EventType t = EventType.values()[r.nextInt(15)];
                Event e =
                        at("heavy-user-with-a-long-id-0123456789", "e" + i, t, ts)
                                .category("category-number-" + r.nextInt(80))
                                .order(t == EventType.PURCHASE ? "order-" + (i / 3) : null)
                                .amount(r.nextInt(100_000))
                                .quantity(1 + r.nextInt(5))
                                .device(devices[r.nextInt(4)])
                                .tz(zones[r.nextInt(3)])
                                .country("GB")
                                .attrs(20 + r.nextInt(50), "f")
                                .build();
                dq.processElement(e, ts);
                for (Event checked : dq.extractOutputValues().subList(i, i + 1)) {
                    core.processElement(checked, ts);
                }
            }
            List<ProfilePart> parts = core.extractOutputValues();
            CoreFeatures f = parts.get(parts.size() - 1).core;
            assertThat(f.orders).isGreaterThan(300);
            int coreBytes = bytes(CoreFeatures.class, f);
            BotState bot = new BotState();
            for (int i = 0; i < 40; i++) {
                bot.actionTs[i % BotState.RING] = ts - i;
                bot.recentIds[i % BotState.EVIDENCE] = "event-id-" + (1_000_000 + i);
            }
            bot.size = BotState.RING;
            int botBytes = bytes(BotState.class, bot);
            System.err.printf(
                    "state budget: core %d B + data quality %d B = %d B%n",
                    coreBytes, botBytes, coreBytes + botBytes);
            assertThat(coreBytes + botBytes).isLessThanOrEqualTo(2048);
        }
    }

    @Test
    void predictionStateOfAUserWithFullHistory() throws Exception {
        var st = new io.portrait.predict.PredictionState();
        st.h = new float[32];
        st.c = new float[32];
        st.modelDigest = new byte[32];
        st.modelVersion = "next-action@12";
        st.nextAction = new float[io.portrait.predict.Encoding.CLASSES];
        int history = io.portrait.config.PortraitConfig.defaults().predict().history();
        for (int i = 0; i < history + 5; i++) {
            st.remember(new io.portrait.predict.StepInput(i % 6, 7, 9, T0 + i, 1000, 60), history);
        }
        assertThat(st.steps()).hasSize(history);
        DataOutputSerializer out = new DataOutputSerializer(256);
        io.portrait.predict.PredictionStateSerializer.INSTANCE.serialize(st, out);
        int predictionBytes = out.length();
        var back =
                io.portrait.predict.PredictionStateSerializer.INSTANCE.deserialize(
                        new org.apache.flink.core.memory.DataInputDeserializer(
                                out.getCopyOfBuffer()));
        assertThat(back)
                .usingRecursiveComparison()
                .as("the explicit serializer round-trips every field")
                .isEqualTo(st);
        System.err.printf("state budget: prediction %d B%n", predictionBytes);
        // (h, c) 2 x (4 + 128) + next-action 4 + 64 + history 4 + 12 x 27 + digest 1 + 32
        // + label 2 + 14 + the rest 1 + 4 + 4 + 8 = 726 B: nothing more may creep in.
        assertThat(predictionBytes).isLessThanOrEqualTo(726);
    }
}
