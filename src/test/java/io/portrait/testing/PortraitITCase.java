package io.portrait.testing;

import java.nio.file.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Base of the end-to-end tests: per test class, a Flink MiniCluster (TestClusters), a real Kafka
 * broker and a real Redis server (LocalServices), all on ephemeral ports.
 */
public abstract class PortraitITCase {
    protected static final Path WORK = TestClusters.workDir();

    @RegisterExtension
    protected static final MiniClusterExtension FLINK = TestClusters.miniCluster(WORK);

    protected static LocalServices services;

    @BeforeAll
    static void startServices() {
        services = LocalServices.start();
    }

    @AfterAll
    static void stopServices() {
        services.close();
    }

    /** A job environment on this class's MiniCluster. */
    protected static StreamExecutionEnvironment environment() {
        return TestClusters.environment(WORK);
    }
}
