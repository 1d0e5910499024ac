package io.portrait.cli;

import io.portrait.predict.ModelTraining;
import io.portrait.predict.SequenceData;
import io.portrait.predict.Trainer;
import io.portrait.replay.ReplayFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portrait train}: train the next-action LSTM in plain Java and write ONNX + model card. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train the next-action / purchase-soon / churn LSTM on a dataset and/or generated"
                    + " traffic, export it as ONNX and write its model card with metrics on"
                    + " held-out users (docs/models/next-action.md)."
        })
public final class TrainCommand implements Callable<Integer> {

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", paramLabel = "FILE", description = "A dataset file (optional).")
    Path data;

    @Option(
            names = "--format",
            defaultValue = "taobao",
            description =
                    "Format of --data: taobao, online-retail or jsonl (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(
            names = "--generated-users",
            defaultValue = "0",
            paramLabel = "N",
            description = "Also train on N generated users with labelled archetypes (0: none).")
    int generatedUsers;

    @Option(
            names = "--generated-events",
            defaultValue = "100000",
            paramLabel = "N",
            description = "Events to generate for --generated-users (default: ${DEFAULT-VALUE}).")
    int generatedEvents;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "FILE",
            description = "Where to write the ONNX model.")
    Path out;

    @Option(names = "--card", paramLabel = "FILE", description = "Where to write the model card.")
    Path card;

    @Option(names = "--name", defaultValue = "next-action-v1", description = "Model name.")
    String name;

    @Option(names = "--epochs", defaultValue = "12", description = "At most this many epochs.")
    int epochs;

    @Option(names = "--hidden", defaultValue = "32", description = "LSTM hidden size.")
    int hidden;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed.")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (data == null && generatedUsers == 0) {
            throw new ParameterException(
                    spec.commandLine(), "Give --data FILE, --generated-users N, or both.");
        }
        if (epochs < 1 || hidden < 1) {
            throw new ParameterException(spec.commandLine(), "--epochs and --hidden must be >= 1.");
        }
        List<ModelTraining.Source> sources = new ArrayList<>();
        if (data != null) {
            if (!Files.isReadable(data)) {
                throw new ParameterException(
                        spec.commandLine(), "--data " + data + " is not a readable file.");
            }
            ReplayFormat f;
            try {
                f = ReplayFormat.parse(format);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            sources.add(
                    new ModelTraining.Source(
                            f.cliName(),
                            "`" + data.getFileName() + "` (" + f.cliName() + " format)",
                            SequenceData.read(data, f)));
        }
        if (generatedUsers > 0) {
            sources.add(
                    new ModelTraining.Source(
                            "generated",
                            "the demo's traffic generator (archetypes browser, shopper, big"
                                    + " spender, social, dormant; seed "
                                    + seed
                                    + ", one event every 30 s of simulated time)",
                            SequenceData.generated(
                                    seed,
                                    generatedUsers,
                                    generatedEvents,
                                    Instant.parse("2026-01-01T00:00:00Z").toEpochMilli(),
                                    Duration.ofSeconds(30).toMillis())));
        }
        Trainer.Options options = Trainer.Options.defaults().with(hidden, epochs, seed);
        var outcome =
                ModelTraining.run(
                        sources, options, name, line -> spec.commandLine().getOut().println(line));
        ModelTraining.write(out, outcome.onnx());
        if (card != null) {
            // The whole command line as typed: the root's arguments hold "train" already.
            var root = spec.root();
            String command =
                    (root == spec ? "portrait train " : "portrait ")
                            + String.join(" ", root.commandLine().getParseResult().originalArgs());
            ModelTraining.write(
                    card,
                    ModelTraining.card(name, sources, options, outcome, command)
                            .getBytes(StandardCharsets.UTF_8));
        }
        spec.commandLine().getOut().println("train: wrote " + out + " sha256=" + outcome.sha256());
        return 0;
    }
}
