package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portrait.testing.TestClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job on the changelog backend restored from a savepoint at a new parallelism (the rescale of
 * docs/operations.md) must survive a failure that comes after the savepoint was subsumed by later
 * checkpoints but before the changelog materialised the restored state again. It does in LEGACY
 * mode, the one {@link SavepointLayout} lets through. In CLAIM mode the same test fails on Flink
 * 2.2.1: the savepoint's files are deleted at subsumption while the checkpoints still read them,
 * and every restore after the failure ends in a {@code FileNotFoundException}.
 */
class ChangelogRestoreITCase {
    static final Path WORK = TestClusters.workDir();

    @RegisterExtension static final MiniClusterExtension FLINK = TestClusters.miniCluster(WORK);

    @TempDir Path savepoints;

    static final AtomicBoolean FAIL = new AtomicBoolean();
    static final AtomicLong SEEN = new AtomicLong();

    /** Counts per key; throws once when told to. */
    static final class Count extends KeyedProcessFunction<Long, Long, Long> {
        transient ValueState<Long> count;

        @Override
        public void open(OpenContext context) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(Long n, Context ctx, Collector<Long> out) throws Exception {
            if (FAIL.compareAndSet(true, false)) {
                throw new IllegalStateException("a task fails after the restore");
            }
            Long c = count.value();
            count.update(c == null ? 1 : c + 1);
            SEEN.incrementAndGet();
        }
    }

    static JobClient start(Configuration conf, int parallelism) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.fromSequence(0, Long.MAX_VALUE)
                .setParallelism(1)
                .uid("numbers")
                .map(n -> n, Types.LONG)
                .setParallelism(1)
                .uid("slow")
                .keyBy(n -> n % 1000, Types.LONG)
                .process(new Count(), Types.LONG)
                .setParallelism(parallelism)
                .uid("count")
                .sinkTo(new DiscardingSink<>())
                .setParallelism(parallelism)
                .uid("count-sink");
        JobClient job = env.executeAsync("changelog-restore");
        await().atMost(Duration.ofMinutes(1))
                .until(() -> job.getJobStatus().get() == JobStatus.RUNNING);
        return job;
    }

    @Test
    void aRescaledRestoreSurvivesAFailureBeforeTheNextMaterialisation() throws Exception {
        Configuration first = TestClusters.configuration(WORK);
        JobClient job = start(first, 1);
        Thread.sleep(3_000); // state in every key, a materialisation (every 3 s in tests)
        String savepoint =
                job.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(2, TimeUnit.MINUTES);

        Configuration again = TestClusters.configuration(WORK);
        // As in production: the next materialisation is minutes away.
        again.set(StateChangelogOptions.PERIODIC_MATERIALIZATION_INTERVAL, Duration.ofMinutes(10));
        again.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        again.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.LEGACY);
        JobClient restored = start(again, 2);
        try {
            Thread.sleep(8 * TestClusters.CHECKPOINT_INTERVAL.toMillis()); // subsumes the savepoint
            FAIL.set(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> !FAIL.get());
            long before = SEEN.get();
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(
                            () ->
                                    assertThat(SEEN.get())
                                            .as("records counted again after the failure")
                                            .isGreaterThan(before + 10_000));
            assertThat(restored.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            restored.cancel().get();
        }
    }
}
