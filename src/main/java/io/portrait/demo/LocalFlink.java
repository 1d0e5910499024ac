package io.portrait.demo;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.changelog.fs.FsStateChangelogOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;

/**
 * The settings a local MiniCluster runs portrait with: the same choices as flink-conf/config.yaml
 * (RocksDB under the changelog state backend, incremental checkpoints, exactly-once, no Kryo
 * fallback, explicit uids), with local directories and a shorter checkpoint interval.
 */
public final class LocalFlink {
    private LocalFlink() {}

    public static Configuration configuration(
            Path workDir, Duration checkpointInterval, int parallelism) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        // As flink-conf/: bloom filters make the many point lookups that miss cheap.
        conf.set(org.apache.flink.state.rocksdb.RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        // The changelog state backend over RocksDB: a checkpoint uploads the log of state changes
        // since the last one, and the RocksDB snapshot (whose memtable flush stalled the task
        // thread for 200-600 ms every checkpoint, BENCHMARKS.md) moves to a periodic
        // materialisation. Same as flink-conf/config.yaml.
        conf.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
        conf.set(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE, "filesystem");
        conf.set(
                FsStateChangelogOptions.BASE_PATH, workDir.resolve("changelog").toUri().toString());
        conf.set(StateChangelogOptions.PERIODIC_MATERIALIZATION_INTERVAL, Duration.ofMinutes(3));
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                workDir.resolve("checkpoints").toUri().toString());
        conf.set(
                CheckpointingOptions.SAVEPOINT_DIRECTORY,
                workDir.resolve("savepoints").toUri().toString());
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        conf.set(
                CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(2));
        // A Redis outage blocks the sink and times checkpoints out; that must not fail the job.
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 1000);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        // A network buffer leaves after 10 ms even when not full (Flink's default is 100 ms): the
        // event-to-alert p50 drops from ~130 to ~30 ms (BENCHMARKS.md); under load buffers fill
        // first, so throughput does not change. Same as flink-conf/config.yaml.
        conf.set(
                org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT,
                Duration.ofMillis(10));
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(parallelism, 2));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                Duration.ofSeconds(1));
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                Duration.ofSeconds(30));
        // As the 2-GB TaskManager of flink-conf/ (0.4 of its Flink memory): RocksDB's block
        // cache and write buffers; 256 MB missed the block cache (BENCHMARKS.md).
        conf.setString("taskmanager.memory.managed.size", "640m");
        conf.setString("taskmanager.memory.network.min", "64m");
        conf.setString("taskmanager.memory.network.max", "64m");
        return conf;
    }
}
