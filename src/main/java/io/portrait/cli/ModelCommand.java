package io.portrait.cli;

import io.portrait.config.PortraitConfig;
import io.portrait.predict.ModelInfo;
import io.portrait.predict.ModelRef;
import io.portrait.predict.OnnxModel;
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

/**
 * {@code portrait model publish|revert}: switch the running job's model through the control topic.
 */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description =
                "Publish a next-action model to the running job, or go back to its configured one.",
        subcommands = {ModelCommand.Publish.class, ModelCommand.Revert.class})
public final class ModelCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Name a subcommand: publish or revert.");
    }

    /** Checks the file loads as a model this build can run, then sends its reference. */
    @Command(
            name = "publish",
            mixinStandardHelpOptions = true,
            description = {
                "Check that an ONNX file is a model this build can run, then send a `model` control"
                        + " record (uri + sha256) that switches every task without a restart."
            })
    public static final class Publish implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin ConfigOptionsMixin settings;

        @Option(
                names = "--file",
                required = true,
                paramLabel = "FILE",
                description = "The ONNX model.")
        Path file;

        @Option(
                names = "--version",
                required = true,
                paramLabel = "N",
                description = "Model version, above every version published before (>= 1).")
        long version;

        @Option(
                names = "--uri",
                paramLabel = "URI",
                description =
                        "Where the TaskManagers read the file (default: file: URI of --file; use a"
                                + " path on a volume every TaskManager mounts).")
        String uri;

        @Override
        public Integer call() throws Exception {
            if (!Files.isReadable(file)) {
                throw new ParameterException(
                        spec.commandLine(), "--file " + file + " is not a readable file.");
            }
            if (version < 1) {
                throw new ParameterException(spec.commandLine(), "--version must be >= 1.");
            }
            byte[] bytes = Files.readAllBytes(file);
            ModelInfo info;
            OnnxModel m;
            try {
                m = OnnxModel.acquire(bytes);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), file + ": " + e.getMessage());
            }
            info = m.info();
            m.release();
            String sha = OnnxModel.sha256(bytes);
            String target = uri != null ? uri : file.toAbsolutePath().toUri().toString();
            PortraitConfig config = settings.toConfig(Map.of());
            String envelope =
                    "{\"kind\":\"model\",\"id\":\""
                            + ModelRef.NEXT_ACTION
                            + "\",\"version\":"
                            + version
                            + ",\"created_at\":\""
                            + Instant.now()
                            + "\",\"payload\":{\"uri\":\""
                            + target.replace("\\", "\\\\").replace("\"", "\\\"")
                            + "\",\"sha256\":\""
                            + sha
                            + "\"}}";
            ControlTopic.send(
                    config,
                    "model:" + ModelRef.NEXT_ACTION,
                    envelope.getBytes(StandardCharsets.UTF_8));
            spec.commandLine()
                    .getOut()
                    .println(
                            "model: published "
                                    + info.name()
                                    + " as "
                                    + ModelRef.NEXT_ACTION
                                    + "@"
                                    + version
                                    + " uri="
                                    + target
                                    + " sha256="
                                    + sha);
            return 0;
        }
    }

    /** Sends the tombstone: every task goes back to {@code portrait.predict.model}. */
    @Command(
            name = "revert",
            mixinStandardHelpOptions = true,
            description =
                    "Delete the published model: every task goes back to portrait.predict.model.")
    public static final class Revert implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin ConfigOptionsMixin settings;

        @Override
        public Integer call() throws Exception {
            ControlTopic.send(settings.toConfig(Map.of()), "model:" + ModelRef.NEXT_ACTION, null);
            spec.commandLine().getOut().println("model: reverted to the configured model");
            return 0;
        }
    }
}
