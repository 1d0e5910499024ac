package io.portrait.cli;

import io.portrait.predict.Evaluation;
import io.portrait.predict.ModelRef;
import io.portrait.predict.OnnxModel;
import io.portrait.predict.SequenceData;
import io.portrait.replay.ReplayFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portrait evaluate}: score a model on a dataset the way the job runs it. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Run a model over the users of a dataset in event-time order, one incremental step per"
                    + " event, and print next-action accuracy and log-loss against a majority and a"
                    + " first-order Markov baseline (fitted on the file's training users), and the"
                    + " AUC of the purchase-soon and churn heads. The last line is machine-readable."
        })
public final class EvaluateCommand implements Callable<Integer> {

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--model",
            paramLabel = "FILE",
            description = "The ONNX model (default: the shipped one).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Dataset file.")
    Path data;

    @Option(names = "--format", required = true, description = "taobao, online-retail or jsonl.")
    String format;

    @Option(
            names = "--users",
            defaultValue = "test",
            description =
                    "Which users to score: test (the held-out 20 %% no model saw), validation,"
                            + " train or all (default: ${DEFAULT-VALUE}).")
    String users;

    @Option(names = "--batch", defaultValue = "256", description = "Users per ONNX call.")
    int batch;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(data)) {
            throw new ParameterException(
                    spec.commandLine(), "--data " + data + " is not a readable file.");
        }
        if (model != null && !Files.isReadable(model)) {
            throw new ParameterException(
                    spec.commandLine(), "--model " + model + " is not a readable file.");
        }
        if (batch < 1) {
            throw new ParameterException(spec.commandLine(), "--batch must be >= 1.");
        }
        ReplayFormat f;
        SequenceData.Split split;
        try {
            f = ReplayFormat.parse(format);
            split = SequenceData.Split.valueOf(users.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(
                    spec.commandLine(),
                    e.getMessage() != null && e.getMessage().startsWith("--format")
                            ? e.getMessage()
                            : "--users "
                                    + users
                                    + " is unknown; use test, validation, train or all.");
        }
        SequenceData all = SequenceData.read(data, f);
        Evaluation.Markov markov =
                Evaluation.Markov.fit(
                        all.split(SequenceData.Split.TRAIN),
                        all.split(SequenceData.Split.VALIDATION));
        byte[] bytes = OnnxModel.read(model == null ? ModelRef.DEFAULT_URI : model.toString());
        OnnxModel m = OnnxModel.acquire(bytes);
        try {
            spec.commandLine()
                    .getOut()
                    .println("evaluate: model " + m.info().name() + " sha256=" + m.sha256());
            Evaluation.Report r = Evaluation.run(m, all.split(split), markov, batch);
            spec.commandLine()
                    .getOut()
                    .printf(
                            java.util.Locale.ROOT,
                            "evaluate: predictions=%d churn_auc=%.4f logloss_vs_markov=%+.1f%%%n",
                            r.predictions(),
                            r.churnAuc(),
                            -100 * r.loglossGainOverMarkov());
            spec.commandLine().getOut().println(r.line());
        } finally {
            m.release();
        }
        return 0;
    }
}
