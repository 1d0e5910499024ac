package io.portrait.bench;

import io.portrait.config.PortraitConfig;
import io.portrait.demo.RedisServerProcess;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.ProfileRecord;
import io.portrait.sink.RedisProfileStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The Redis sink's batching: one pipelined round trip of {@code batch} versioned upserts (the Lua
 * script the job runs, real rendered documents of a user after 200 events) against a real
 * redis-server on this machine. Score per call; per document = score ÷ batch. Each call writes
 * newer versions than the last, so every upsert lands (no stale short cuts).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgs = {"-Xms1g", "-Xmx1g"})
public class RedisSinkBenchmark {
    @Param({"1", "16", "128", "512"})
    int batch;

    RedisServerProcess redis;
    RedisProfileStore store;
    String json;
    long version;
    final List<ProfileRecord> records = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        redis = RedisServerProcess.start();
        store = new RedisProfileStore(redis.address(), null);
        PortraitConfig config = PortraitConfig.defaults();
        CoreFeatures core = io.portrait.testing.TestProfiles.core(200, 5);
        json = DocumentBenchmark.render(config, core);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
        redis.close();
    }

    @Benchmark
    public int writeBatch() {
        records.clear();
        version++;
        for (int i = 0; i < batch; i++) {
            // 10 000 distinct users in rotation, as a sink batch holds distinct users.
            String user = "u-" + ((version * batch + i) % 10_000);
            records.add(new ProfileRecord(user, 1L, version, json, false));
        }
        return store.write(records, 0, 0).written();
    }
}
