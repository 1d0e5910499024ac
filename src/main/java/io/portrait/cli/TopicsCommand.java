package io.portrait.cli;

import io.portrait.config.PortraitConfig;
import io.portrait.demo.EmbeddedKafka;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code portrait topics create}: the job's topics, the control topic compacted. */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Create portrait's topics (existing ones are left as they are).",
        subcommands = {TopicsCommand.Create.class})
public final class TopicsCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Name a subcommand: create.");
    }

    /**
     * Creates the events, DLQ, alerts, CEP loop, changes, control (compacted) and control DLQ
     * topics.
     */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create the topics.")
    public static final class Create implements Callable<Integer> {
        @Mixin ConfigOptionsMixin settings;

        @Option(
                names = "--partitions",
                defaultValue = "4",
                description = "Partitions of the events topic (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(
                names = "--replication",
                defaultValue = "1",
                description = "Replication factor (default: ${DEFAULT-VALUE}).")
        short replication;

        @Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PortraitConfig c = settings.toConfig(Map.of());
            EmbeddedKafka.createPortraitTopics(c, partitions, replication);
            spec.commandLine().getOut().println("topics ready on " + c.kafkaBootstrap());
            return 0;
        }
    }
}
