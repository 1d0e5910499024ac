package io.portrait.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portrait alerts tail}: print alerts from {@code portrait.alerts} as they arrive. */
@Command(
        name = "alerts",
        mixinStandardHelpOptions = true,
        description = "Read the alerts topic.",
        subcommands = {AlertsCommand.Tail.class})
public final class AlertsCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Name a subcommand: tail.");
    }

    @Command(
            name = "tail",
            mixinStandardHelpOptions = true,
            description = {
                "Print alerts as they arrive: one line each (time, rule, severity, user, details),"
                        + " or the alert JSON with --json. Reads without a consumer group."
            })
    public static final class Tail implements Callable<Integer> {
        static final ObjectMapper JSON = new ObjectMapper();

        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin ConfigOptionsMixin settings;

        @Option(
                names = "--from-beginning",
                description = "Start at the oldest alert kept (default: only new ones).")
        boolean fromBeginning;

        @Option(names = "--user", paramLabel = "ID", description = "Only this user's alerts.")
        String user;

        @Option(names = "--rule", paramLabel = "NAME", description = "Only this rule's alerts.")
        String rule;

        @Option(names = "--json", description = "Print each alert's JSON as it is on the topic.")
        boolean json;

        @Option(
                names = "--max",
                paramLabel = "N",
                description = "Stop after N alerts (default: run until interrupted).")
        Integer max;

        @Option(
                names = "--idle-timeout",
                paramLabel = "DURATION",
                description = "Stop after this long without an alert (default: never).")
        Duration idleTimeout;

        @Override
        public Integer call() throws Exception {
            if (max != null && max < 1) {
                throw new ParameterException(spec.commandLine(), "--max must be >= 1.");
            }
            PortraitConfig config = settings.toConfig(Map.of());
            Properties p = config.kafkaClientProperties();
            p.put("key.deserializer", ByteArrayDeserializer.class.getName());
            p.put("value.deserializer", ByteArrayDeserializer.class.getName());
            p.put("group.id", "portrait-alerts-tail-" + UUID.randomUUID());
            p.put("enable.auto.commit", "false");
            p.put("auto.offset.reset", fromBeginning ? "earliest" : "latest");
            PrintWriter out = spec.commandLine().getOut();
            int printed = 0;
            long lastSeen = System.nanoTime();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
                List<TopicPartition> parts =
                        consumer.partitionsFor(config.alertsTopic()).stream()
                                .map(i -> new TopicPartition(i.topic(), i.partition()))
                                .toList();
                consumer.assign(parts);
                if (fromBeginning) {
                    consumer.seekToBeginning(parts);
                } else {
                    consumer.seekToEnd(parts);
                }
                while (max == null || printed < max) {
                    var records = consumer.poll(Duration.ofMillis(200));
                    if (records.isEmpty()) {
                        if (idleTimeout != null
                                && System.nanoTime() - lastSeen > idleTimeout.toNanos()) {
                            break;
                        }
                        continue;
                    }
                    lastSeen = System.nanoTime();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        String text = new String(r.value(), StandardCharsets.UTF_8);
                        JsonNode a = JSON.readTree(text);
                        if ((user != null && !user.equals(a.path("user_id").asText()))
                                || (rule != null && !rule.equals(a.path("rule").asText()))) {
                            continue;
                        }
                        out.println(json ? text : line(a));
                        out.flush();
                        if (max != null && ++printed >= max) {
                            break;
                        }
                    }
                }
            }
            return 0;
        }

        static String line(JsonNode a) {
            return String.format(
                    "%s  %-18s %-6s user=%s events=%d %s",
                    a.path("ts").asText(),
                    a.path("rule").asText() + "@" + a.path("rule_version").asText(),
                    a.path("severity").asText(),
                    a.path("user_id").asText(),
                    a.path("event_ids").size(),
                    a.path("details").toString());
        }
    }
}
