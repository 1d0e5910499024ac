package io.portrait.cli;

import io.portrait.replay.Replay;
import io.portrait.replay.ReplayFormat;
import io.portrait.replay.Replayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portrait replay}: a real dataset into Kafka or a file of event JSON lines. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Send a dataset (Online Retail or Taobao CSV, gzip or plain, or event JSON lines) to"
                    + " the events topic, or write it as event JSON lines. Rows map to events as"
                    + " docs/replay.md defines; rows that cannot be valid are still sent, so the"
                    + " job's DLQ records why."
        })
public final class ReplayCommand implements Callable<Integer> {

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--csv",
            required = true,
            paramLabel = "FILE",
            description = "The dataset file.")
    Path file;

    @Option(names = "--format", required = true, description = "online-retail, taobao or jsonl.")
    String format;

    @picocli.CommandLine.Mixin OutputTargetMixin output;

    @Option(
            names = "--speed",
            defaultValue = "max",
            description =
                    "max, or a multiplier of event time (3600 = one hour of data per second).")
    String speed;

    @Option(names = "--limit", paramLabel = "N", description = "Send at most N rows.")
    Long limit;

    @Override
    public Integer call() throws Exception {
        ReplayFormat f;
        try {
            f = ReplayFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!Files.isReadable(file)) {
            throw new ParameterException(
                    spec.commandLine(), "--csv " + file + " is not a readable file.");
        }
        output.validate(spec.commandLine());
        if (limit != null && limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be at least 1.");
        }
        double pace = parseSpeed(speed, spec.commandLine());
        long started = System.nanoTime();
        long sent;
        try (Replay replay = Replay.open(file, f);
                Replayer.Target target = output.open()) {
            sent =
                    Replayer.run(
                            replay,
                            target,
                            pace,
                            limit == null ? Long.MAX_VALUE : limit,
                            () -> false,
                            spec.commandLine().getErr());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        spec.commandLine()
                .getOut()
                .printf("replayed %d records in %.1f s (%.0f/s)%n", sent, seconds, sent / seconds);
        return 0;
    }

    /** "max" → 0 (unpaced), or a positive multiplier of event time. */
    static double parseSpeed(String speed, CommandLine cl) {
        if ("max".equals(speed)) {
            return 0;
        }
        try {
            double v = Double.parseDouble(speed);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // Reported below.
        }
        throw new ParameterException(
                cl,
                "--speed must be 'max' or a positive multiplier of event time, not '"
                        + speed
                        + "'.");
    }
}
