package io.portrait.bench;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.ProfileCoreFunction;
import io.portrait.profile.ProfilePart;
import io.portrait.testing.Harnesses;
import io.portrait.testing.TestEvents;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one hop between two keyed stages costs: Flink's serializer writing and reading a profile
 * part (the profile core's features of a user after {@code events} events), as a network channel
 * between operators that cannot chain does for every event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgs = {"-Xms1g", "-Xmx1g"})
public class ProfilePartBenchmark {
    @Param({"20", "500"})
    int events;

    TypeSerializer<ProfilePart> partSerializer;
    TypeSerializer<CoreFeatures> coreSerializer;
    ProfilePart part;
    byte[] bytes;
    final DataOutputSerializer out = new DataOutputSerializer(4096);
    final DataInputDeserializer in = new DataInputDeserializer();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        partSerializer = TypeInformation.of(ProfilePart.class).createSerializer(config);
        coreSerializer = TypeInformation.of(CoreFeatures.class).createSerializer(config);
        part = lastPart(events, 9);
        out.clear();
        partSerializer.serialize(part, out);
        bytes = out.getCopyOfBuffer();
    }

    /**
     * The profile core's output for one user after {@code events} random events (every type, a
     * dozen categories, orders and amounts): a realistic part to serialize or render.
     */
    public static ProfilePart lastPart(int events, long seed) throws Exception {
        Random r = new Random(seed);
        try (var core =
                Harnesses.keyed(
                        new ProfileCoreFunction(PortraitConfig.defaults()),
                        Event::userId,
                        Harnesses.heap(),
                        null)) {
            long ts = 1_764_000_000_000L;
            for (int i = 0; i < events; i++) {
                ts += r.nextInt(3_600_000);
                EventType t = EventType.values()[r.nextInt(15)];
                core.processElement(
                        TestEvents.at("u-" + 42, "e" + i, t, ts)
                                .category("category-" + r.nextInt(12))
                                .order(t == EventType.PURCHASE ? "o-" + i : null)
                                .amount(r.nextInt(10_000))
                                .device("mobile")
                                .tz("Europe/London")
                                .build(),
                        ts);
            }
            List<ProfilePart> parts = core.extractOutputValues();
            return parts.get(parts.size() - 1);
        }
    }

    @Benchmark
    public int writePart() throws Exception {
        out.clear();
        partSerializer.serialize(part, out);
        return out.length();
    }

    @Benchmark
    public ProfilePart readPart() throws Exception {
        in.setBuffer(bytes);
        return partSerializer.deserialize(in);
    }

    @Benchmark
    public int writeCore() throws Exception {
        out.clear();
        coreSerializer.serialize(part.core, out);
        return out.length();
    }

    /** The copy a chained operator makes when object reuse is off. */
    @Benchmark
    public ProfilePart copyPart() {
        return partSerializer.copy(part);
    }
}
