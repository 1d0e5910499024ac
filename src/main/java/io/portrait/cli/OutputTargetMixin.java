package io.portrait.cli;

import io.portrait.config.Topics;
import io.portrait.replay.Replayer;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Where {@code replay} and {@code generate} send records: a Kafka topic or a JSON-lines file. */
public final class OutputTargetMixin {

    @Option(
            names = "--kafka-bootstrap",
            paramLabel = "HOST:PORT",
            description = "Send to this Kafka.")
    String kafkaBootstrap;

    @Option(
            names = "--kafka-properties",
            paramLabel = "FILE",
            description =
                    "Kafka client settings (security.protocol, sasl.*, ssl.*); ${NAME} is read"
                            + " from the environment.")
    String kafkaProperties;

    @Option(
            names = "--topic",
            defaultValue = Topics.EVENTS,
            description = "Events topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "Write event JSON lines to FILE instead.")
    Path out;

    /** Checks that exactly one target was named. */
    void validate(CommandLine cl) {
        if ((kafkaBootstrap == null) == (out == null)) {
            throw new CommandLine.ParameterException(
                    cl, "Give exactly one of --kafka-bootstrap or --out.");
        }
    }

    Replayer.Target open() {
        return out != null
                ? Replayer.file(out)
                : Replayer.kafka(
                        kafkaBootstrap,
                        topic,
                        io.portrait.config.KafkaClientProperties.load(kafkaProperties));
    }
}
