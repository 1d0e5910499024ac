package io.portrait.testing;

import io.portrait.demo.LocalFlink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The Flink MiniCluster of the integration tests: one TaskManager with two slots, configured like
 * the demo and flink-conf/ (RocksDB, incremental exactly-once checkpoints every second).
 */
public final class TestClusters {
    public static final int PARALLELISM = 2;
    public static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

    private TestClusters() {}

    public static Path workDir() {
        try {
            return Files.createTempDirectory("portrait-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static MiniClusterExtension miniCluster(Path workDir) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(configuration(workDir))
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(PARALLELISM)
                        .build());
    }

    /** A job environment on the extension's cluster with the same settings. */
    public static StreamExecutionEnvironment environment(Path workDir) {
        return StreamExecutionEnvironment.getExecutionEnvironment(configuration(workDir));
    }

    /**
     * The local settings, with the changelog's materialisation every few seconds instead of Flink's
     * 10 minutes: a restore in a test then reads a materialised RocksDB snapshot plus the log after
     * it, as a long-running job's would.
     */
    public static Configuration configuration(Path workDir) {
        Configuration conf = LocalFlink.configuration(workDir, CHECKPOINT_INTERVAL, PARALLELISM);
        conf.set(StateChangelogOptions.PERIODIC_MATERIALIZATION_INTERVAL, Duration.ofSeconds(3));
        return conf;
    }
}
