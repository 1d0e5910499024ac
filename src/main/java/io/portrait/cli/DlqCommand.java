package io.portrait.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Ingested;
import io.portrait.ingest.EventParser;
import io.portrait.replay.Replayed;
import io.portrait.replay.Replayer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
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

/**
 * {@code portrait dlq inspect|redrive}: look at the dead-letter topic by reason, and send records
 * back to the events topic once they are fixed — each one re-validated by the job's own parser
 * first, so a redrive never feeds the job what it would reject again.
 */
@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = "Inspect dead letters by reason; redrive fixed ones to the events topic.",
        subcommands = {DlqCommand.Inspect.class, DlqCommand.Redrive.class})
public final class DlqCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Name a subcommand: inspect or redrive.");
    }

    /** Every dead letter now on the topic (oldest first), up to its end when the read began. */
    static void readAll(PortraitConfig config, Consumer<JsonNode> each) {
        Properties p = config.kafkaClientProperties();
        p.put("enable.auto.commit", "false");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    consumer.partitionsFor(config.dlqTopic(), Duration.ofSeconds(30)).stream()
                            .map(i -> new TopicPartition(i.topic(), i.partition()))
                            .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(parts));
            end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            while (!end.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long stop = end.get(tp);
                    if (stop == null || r.offset() >= stop) {
                        continue;
                    }
                    try {
                        each.accept(JSON.readTree(r.value()));
                    } catch (IOException notADeadLetter) {
                        // Not written by portrait: skipped.
                    }
                }
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        }
    }

    /** The original record text of a dead letter, or null when it was not valid UTF-8. */
    static String raw(JsonNode deadLetter) {
        JsonNode raw = deadLetter.get("raw");
        return raw == null || raw.isNull() ? null : raw.asText();
    }

    @Command(
            name = "inspect",
            mixinStandardHelpOptions = true,
            description = {
                "Count the dead letters by reason and show a few of each (detail and record);"
                        + " --out writes the original records of the selection, one per line, to"
                        + " fix and redrive."
            })
    public static final class Inspect implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin ConfigOptionsMixin settings;

        @Option(names = "--reason", paramLabel = "REASON", description = "Only this reason.")
        String reason;

        @Option(
                names = "--samples",
                defaultValue = "3",
                paramLabel = "N",
                description = "Records shown per reason (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(
                names = "--out",
                paramLabel = "FILE",
                description = "Write the selected records' original text here, one per line.")
        Path out;

        @Option(names = "--json", description = "Print the summary as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (samples < 0) {
                throw new ParameterException(spec.commandLine(), "--samples must be >= 0.");
            }
            PortraitConfig config = settings.toConfig(Map.of());
            Map<String, Long> counts = new TreeMap<>();
            Map<String, List<JsonNode>> shown = new LinkedHashMap<>();
            long[] written = {0, 0};
            BufferedWriter file = out == null ? null : Files.newBufferedWriter(out);
            try {
                readAll(
                        config,
                        dl -> {
                            String r = dl.path("reason").asText("unknown");
                            if (reason != null && !reason.equals(r)) {
                                return;
                            }
                            counts.merge(r, 1L, Long::sum);
                            List<JsonNode> s = shown.computeIfAbsent(r, k -> new ArrayList<>());
                            if (s.size() < samples) {
                                s.add(dl);
                            }
                            if (file != null) {
                                String raw = raw(dl);
                                if (raw == null || dl.path("truncated").asBoolean(false)) {
                                    written[1]++; // not text, or cut at the DLQ's raw cap
                                    return;
                                }
                                try {
                                    file.write(raw.replace("\n", " "));
                                    file.newLine();
                                    written[0]++;
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }
                        });
            } finally {
                if (file != null) {
                    file.close();
                }
            }
            PrintWriter o = spec.commandLine().getOut();
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            if (json) {
                ObjectNode n = JSON.createObjectNode();
                n.put("topic", config.dlqTopic());
                n.put("total", total);
                ObjectNode by = n.putObject("reasons");
                counts.forEach(
                        (r, c) -> {
                            ObjectNode g = by.putObject(r);
                            g.put("count", c);
                            var arr = g.putArray("samples");
                            shown.getOrDefault(r, List.of()).forEach(arr::add);
                        });
                o.println(n);
            } else {
                o.printf(
                        "%s: %,d dead letters%s%n",
                        config.dlqTopic(), total, reason == null ? "" : " with reason " + reason);
                counts.entrySet().stream()
                        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                        .forEach(
                                e -> {
                                    o.printf("  %-20s %,10d%n", e.getKey(), e.getValue());
                                    for (JsonNode dl : shown.getOrDefault(e.getKey(), List.of())) {
                                        String raw = raw(dl);
                                        o.printf(
                                                "      %s @%s/%d: %s%n        %s%n",
                                                dl.path("ts").asText(),
                                                dl.path("source").path("partition").asText(),
                                                dl.path("source").path("offset").asLong(),
                                                dl.path("detail").asText(),
                                                raw == null
                                                        ? "(not UTF-8: raw_b64)"
                                                        : abbreviate(raw, 160));
                                    }
                                });
            }
            if (out != null) {
                o.printf(
                        "wrote %,d records to %s%s%n",
                        written[0],
                        out,
                        written[1] == 0
                                ? ""
                                : " ("
                                        + written[1]
                                        + " left out: not UTF-8 or cut at the raw cap)");
            }
            return 0;
        }

        static String abbreviate(String s, int max) {
            String one = s.replace("\n", "\\n");
            return one.length() <= max ? one : one.substring(0, max) + "…";
        }
    }

    @Command(
            name = "redrive",
            mixinStandardHelpOptions = true,
            description = {
                "Send records back to the events topic: the lines of --file (fixed by you), or the"
                        + " dead letters of --reason as they are (e.g. after a settings change made"
                        + " them valid). Each record is validated with the job's parser and the"
                        + " current settings first; only valid ones are sent. Exit code 1 if any"
                        + " record is still invalid."
            })
    public static final class Redrive implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin ConfigOptionsMixin settings;

        @Option(names = "--file", paramLabel = "FILE", description = "Event JSON, one per line.")
        Path file;

        @Option(
                names = "--reason",
                paramLabel = "REASON",
                description = "Redrive the dead letters with this reason, unchanged.")
        String reason;

        @Option(names = "--dry-run", description = "Validate and count; send nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            if ((file == null) == (reason == null)) {
                throw new ParameterException(
                        spec.commandLine(), "Give exactly one of --file FILE or --reason REASON.");
            }
            if (file != null && !Files.isReadable(file)) {
                throw new ParameterException(
                        spec.commandLine(), "--file " + file + " is not a readable file.");
            }
            PortraitConfig config = settings.toConfig(Map.of());
            List<String> records = new ArrayList<>();
            if (file != null) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        records.add(line);
                    }
                }
            } else {
                readAll(
                        config,
                        dl -> {
                            if (reason.equals(dl.path("reason").asText())
                                    && raw(dl) != null
                                    && !dl.path("truncated").asBoolean(false)) {
                                records.add(raw(dl));
                            }
                        });
            }
            EventParser parser = new EventParser(config);
            EventParser.Source source = new EventParser.Source("redrive", 0, 0);
            Map<String, Long> stillInvalid = new TreeMap<>();
            List<String> examples = new ArrayList<>();
            long sent = 0;
            PrintWriter o = spec.commandLine().getOut();
            try (Replayer.Target target =
                    dryRun
                            ? null
                            : Replayer.kafka(
                                    config.kafkaBootstrap(),
                                    config.eventsTopic(),
                                    config.kafkaClientProperties())) {
                int line = 0;
                for (String r : records) {
                    line++;
                    byte[] value = r.getBytes(StandardCharsets.UTF_8);
                    Ingested in = parser.parse(null, value, source, System.currentTimeMillis());
                    if (!in.isEvent()) {
                        stillInvalid.merge(in.deadLetter().reason(), 1L, Long::sum);
                        if (examples.size() < 5) {
                            examples.add(
                                    (file != null ? "line " + line + ": " : "")
                                            + in.deadLetter().reason()
                                            + " — "
                                            + in.deadLetter().detail());
                        }
                        continue;
                    }
                    if (target != null) {
                        target.send(new Replayed(in.event().userId(), value, Long.MIN_VALUE));
                    }
                    sent++;
                }
            }
            long invalid = stillInvalid.values().stream().mapToLong(Long::longValue).sum();
            o.printf(
                    "redrive: %,d of %,d records %s to %s; %,d still invalid%s%n",
                    sent,
                    records.size(),
                    dryRun ? "valid (dry run, nothing sent)" : "sent",
                    config.eventsTopic(),
                    invalid,
                    invalid == 0 ? "" : " " + stillInvalid);
            examples.forEach(e -> o.println("  " + e));
            return invalid == 0 ? 0 : 1;
        }
    }
}
