package io.portrait.cli;

import io.portrait.config.PortraitConfig;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.RedisServerProcess;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code portrait services}: a Kafka broker (KRaft, in process) and a Redis server with portrait's
 * topics, for a job on scripts/cluster.sh or any Flink cluster on this machine. Runs until stopped.
 */
@Command(
        name = "services",
        mixinStandardHelpOptions = true,
        description = {
            "Start a local Kafka broker (KRaft) and Redis server with portrait's topics, print"
                    + " their addresses, and run until interrupted (Ctrl-C)."
        })
public final class ServicesCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--partitions",
            defaultValue = "2",
            description = "Partitions of the events topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        if (partitions < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--partitions must be >= 1.");
        }
        EmbeddedKafka kafka = EmbeddedKafka.start();
        RedisServerProcess redis = RedisServerProcess.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    redis.close();
                                    kafka.close();
                                    stopped.countDown();
                                }));
        PortraitConfig config =
                PortraitConfig.defaults()
                        .with(Map.of("portrait.kafka.bootstrap-servers", kafka.bootstrapServers()));
        EmbeddedKafka.createPortraitTopics(config, partitions, (short) 1);
        spec.commandLine()
                .getOut()
                .println(
                        "services: kafka="
                                + kafka.bootstrapServers()
                                + " redis="
                                + redis.url()
                                + " (Ctrl-C stops both)");
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
