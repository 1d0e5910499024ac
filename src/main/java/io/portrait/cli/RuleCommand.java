package io.portrait.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.anomaly.Rule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portrait rule publish|delete}: dynamic threshold rules on the control topic. */
@Command(
        name = "rule",
        mixinStandardHelpOptions = true,
        description = "Add, change or delete a dynamic threshold rule of the running job.",
        subcommands = {RuleCommand.Publish.class, RuleCommand.Delete.class})
public final class RuleCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Name a subcommand: publish or delete.");
    }

    /** Validates a rule file with the job's own parser and sends it. */
    @Command(
            name = "publish",
            mixinStandardHelpOptions = true,
            description = {
                "Validate a rule (docs/rules.md) with the job's own parser, then send it to the"
                        + " control topic: every task applies it without a restart."
            })
    public static final class Publish implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin ConfigOptionsMixin settings;

        @Option(
                names = "--file",
                required = true,
                paramLabel = "FILE",
                description = "The rule as JSON (the payload of docs/rules.md, with its id).")
        Path file;

        @Option(
                names = "--version",
                paramLabel = "N",
                description =
                        "Rule version, above the one in force (default: the file's \"version\").")
        Long version;

        @Override
        public Integer call() throws Exception {
            JsonNode rule;
            try {
                rule = JSON.readTree(Files.readString(file));
            } catch (IOException e) {
                throw new ParameterException(
                        spec.commandLine(), "--file " + file + ": " + e.getMessage());
            }
            if (rule == null || !rule.isObject() || !rule.path("id").isTextual()) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--file " + file + ": a JSON object with a string \"id\" is required.");
            }
            String id = rule.get("id").textValue();
            long v = version != null ? version : rule.path("version").asLong(0);
            try {
                Rule.parse(id, v, rule.toString());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), file + ": " + e.getMessage());
            }
            ObjectNode envelope = JSON.createObjectNode();
            envelope.put("kind", "rule");
            envelope.put("id", id);
            envelope.put("version", v);
            envelope.put("created_at", Instant.now().toString());
            envelope.set("payload", rule);
            ControlTopic.send(
                    settings.toConfig(Map.of()),
                    "rule:" + id,
                    JSON.writeValueAsString(envelope).getBytes(StandardCharsets.UTF_8));
            spec.commandLine().getOut().println("rule: published " + id + "@" + v);
            return 0;
        }
    }

    /** Sends the tombstone for a rule. */
    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = "Delete a rule: every task stops applying it; its state goes lazily.")
    public static final class Delete implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin ConfigOptionsMixin settings;

        @Option(names = "--id", required = true, paramLabel = "ID", description = "The rule id.")
        String id;

        @Override
        public Integer call() throws Exception {
            ControlTopic.send(settings.toConfig(Map.of()), "rule:" + id, null);
            spec.commandLine().getOut().println("rule: deleted " + id);
            return 0;
        }
    }
}
