package io.portrait.bench;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.ProfileCoreFunction;
import io.portrait.profile.ProfilePart;
import io.portrait.testing.Harnesses;
import io.portrait.testing.TestEvents;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The profile core's update of one event through Flink's operator test harness — keyed state read,
 * features updated, state written, timers, the part emitted — on RocksDB configured as the job runs
 * it (bloom filters, a fixed shared block cache and write buffers as from managed memory, timers in
 * RocksDB) and on the heap backend, over {@code users} users already in state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgs = {"-Xms2g", "-Xmx2g"})
public class ProfileUpdateBenchmark {
    @Param({"rocksdb", "heap"})
    String backend;

    @Param({"10000"})
    int users;

    KeyedOneInputStreamOperatorTestHarness<String, Event, ProfilePart> harness;
    Event[] events;
    int next;
    long ts = 1_764_000_000_000L;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        harness =
                Harnesses.keyed(
                        // Anomaly off: the harness builds a serializer for every side-output record
                        // (the job builds one per task), which would dominate the figure.
                        new ProfileCoreFunction(
                                PortraitConfig.defaults()
                                        .with(
                                                java.util.Map.of(
                                                        "portrait.anomaly.enabled", "false"))),
                        Event::userId,
                        stateBackend(backend),
                        null);
        Random r = new Random(3);
        events = new Event[1 << 14];
        EventType[] types = {
            EventType.VIEW,
            EventType.VIEW,
            EventType.CLICK,
            EventType.ADD_TO_CART,
            EventType.PURCHASE
        };
        for (int i = 0; i < events.length; i++) {
            EventType t = types[r.nextInt(types.length)];
            ts += r.nextInt(5_000);
            events[i] =
                    TestEvents.at("u-" + r.nextInt(users), "e" + i, t, ts)
                            .category("category-" + r.nextInt(12))
                            .order(t == EventType.PURCHASE ? "o-" + i : null)
                            .amount(r.nextInt(10_000))
                            .device("mobile")
                            .tz("Europe/London")
                            .build();
        }
        // Every user in state before measuring.
        for (int u = 0; u < users; u++) {
            harness.processElement(
                    TestEvents.at("u-" + u, "init" + u, EventType.VIEW, ts)
                            .category("books")
                            .build(),
                    ts);
        }
        harness.getOutput().clear();
    }

    static StateBackend stateBackend(String name) {
        if (name.equals("heap")) {
            return new HashMapStateBackend();
        }
        Configuration conf = new Configuration();
        conf.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        EmbeddedRocksDBStateBackend rocks =
                new EmbeddedRocksDBStateBackend(true)
                        .configure(conf, ProfileUpdateBenchmark.class.getClassLoader());
        // As a TaskManager slot with ≈ 128 MB of managed memory for RocksDB.
        rocks.getMemoryConfiguration().setUseManagedMemory(false);
        rocks.getMemoryConfiguration().setFixedMemoryPerSlot(MemorySize.parse("128mb"));
        return rocks;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        harness.close();
    }

    @Benchmark
    public int updateOneEvent() throws Exception {
        Event e = events[next++ & (events.length - 1)];
        harness.processElement(e, e.ts());
        if ((next & 1023) == 0) {
            harness.getOutput().clear();
        }
        return next;
    }
}
