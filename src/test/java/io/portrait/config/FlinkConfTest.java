package io.portrait.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.demo.LocalFlink;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.changelog.fs.FsStateChangelogOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.junit.jupiter.api.Test;

/**
 * flink-conf/config.yaml parses as Flink 2.x config and agrees with the local MiniCluster setup.
 */
class FlinkConfTest {

    static final Configuration CLUSTER = GlobalConfiguration.loadConfiguration("flink-conf");
    static final Configuration LOCAL =
            LocalFlink.configuration(Path.of("target/flink-conf-test"), Duration.ofSeconds(5), 2);

    @Test
    void clusterSettingsAreThoseTheJobReliesOn() {
        assertThat(CLUSTER.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(CLUSTER.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(CLUSTER.get(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG))
                .as(
                        "off on the cluster: savepoint restores under it are not safe (SavepointLayout)")
                .isFalse();
        assertThat(CLUSTER.get(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE))
                .isEqualTo("filesystem");
        assertThat(CLUSTER.get(FsStateChangelogOptions.BASE_PATH)).startsWith("file:///");
        assertThat(CLUSTER.get(StateChangelogOptions.PERIODIC_MATERIALIZATION_INTERVAL))
                .isEqualTo(Duration.ofMinutes(3));
        assertThat(CLUSTER.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE))
                .isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(CLUSTER.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(CLUSTER.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isGreaterThan(100);
        assertThat(CLUSTER.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(CLUSTER.get(PipelineOptions.AUTO_GENERATE_UIDS)).isFalse();
        assertThat(CLUSTER.getString("restart-strategy.type", null)).isEqualTo("exponential-delay");
        assertThat(CLUSTER.getString("taskmanager.load-balance.mode", null)).isEqualTo("SLOTS");
        assertThat(CLUSTER.get(StateRecoveryOptions.RESTORE_MODE))
                .as("Flink's default: the first checkpoint after a restore is a full one")
                .isEqualTo(RecoveryClaimMode.NO_CLAIM);
        assertThat(CLUSTER.getString("metrics.reporter.prom.factory.class", ""))
                .endsWith("PrometheusReporterFactory");
    }

    @Test
    void theLocalMiniClusterMakesTheSameChoices() {
        for (var option :
                java.util.List.of(
                        StateBackendOptions.STATE_BACKEND,
                        CheckpointingOptions.INCREMENTAL_CHECKPOINTS,
                        StateChangelogOptions.STATE_CHANGE_LOG_STORAGE,
                        StateChangelogOptions.PERIODIC_MATERIALIZATION_INTERVAL,
                        CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                        PipelineOptions.GENERIC_TYPES,
                        PipelineOptions.AUTO_GENERATE_UIDS)) {
            assertThat((Object) LOCAL.get(option)).as(option.key()).isEqualTo(CLUSTER.get(option));
        }
        assertThat(LOCAL.get(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG))
                .as("on locally: the demo and the tests never restore a savepoint")
                .isTrue();
        assertThat(LOCAL.get(FsStateChangelogOptions.BASE_PATH))
                .as("the log lives in the run's own folder")
                .endsWith("flink-conf-test/changelog");
    }
}
