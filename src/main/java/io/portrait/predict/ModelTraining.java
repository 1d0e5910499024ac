package io.portrait.predict;

import io.portrait.predict.SequenceData.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code portrait train} end to end: split each data source by user, train on the training users of
 * all sources, export ONNX, score the exported model on each source's held-out test users against
 * the baselines, and write the model card.
 */
public final class ModelTraining {
    private ModelTraining() {}

    /** A named data source (e.g. "taobao", "generated"). */
    public record Source(String name, String description, SequenceData data) {}

    /** What training produced. */
    public record Outcome(
            byte[] onnx,
            String sha256,
            Trainer.Result result,
            Map<String, Evaluation.Report> test) {}

    public static Outcome run(
            List<Source> sources, Trainer.Options options, String name, Consumer<String> log) {
        List<SequenceData> trains = new ArrayList<>();
        List<SequenceData> validations = new ArrayList<>();
        for (Source s : sources) {
            SequenceData tr = s.data.split(Split.TRAIN);
            SequenceData va = s.data.split(Split.VALIDATION);
            trains.add(tr);
            validations.add(va);
            log.accept(
                    String.format(
                            Locale.ROOT,
                            "train: %s users=%d events=%d (train %d, validation %d, test %d users)",
                            s.name,
                            s.data.users().size(),
                            s.data.events(),
                            tr.users().size(),
                            va.users().size(),
                            s.data.split(Split.TEST).users().size()));
        }
        Trainer.Result result =
                Trainer.train(
                        trains,
                        validations,
                        options,
                        e ->
                                log.accept(
                                        String.format(
                                                Locale.ROOT,
                                                "train: epoch %d/%d %s train_loss=%.4f"
                                                        + " validation_loss=%.4f"
                                                        + " (relative) (%d ms)",
                                                e.epoch(),
                                                options.epochs(),
                                                "["
                                                        + "#"
                                                                .repeat(
                                                                        e.epoch()
                                                                                * 20
                                                                                / options.epochs())
                                                        + "."
                                                                .repeat(
                                                                        20
                                                                                - e.epoch()
                                                                                        * 20
                                                                                        / options
                                                                                                .epochs())
                                                        + "]",
                                                e.trainLoss(),
                                                e.validationLoss(),
                                                e.millis())));
        ModelInfo info =
                new ModelInfo(
                        name,
                        Encoding.VERSION,
                        Encoding.FEATURES,
                        options.hidden(),
                        Encoding.CLASSES,
                        options.purchaseWithin(),
                        options.churnHorizon());
        byte[] onnx = OnnxExport.toOnnx(result.net(), info.toMetadata());
        Map<String, Evaluation.Report> test = new LinkedHashMap<>();
        OnnxModel model = OnnxModel.acquire(onnx);
        try {
            for (Source s : sources) {
                Evaluation.Markov markov =
                        Evaluation.Markov.fit(
                                s.data.split(Split.TRAIN), s.data.split(Split.VALIDATION));
                Evaluation.Report r = Evaluation.run(model, s.data.split(Split.TEST), markov, 256);
                test.put(s.name, r);
                log.accept(
                        s.name
                                + " test "
                                + r.line()
                                + String.format(Locale.ROOT, " churn_auc=%.4f", r.churnAuc()));
            }
        } finally {
            model.release();
        }
        return new Outcome(onnx, OnnxModel.sha256(onnx), result, test);
    }

    /** The model card (markdown) for an outcome. */
    public static String card(
            String name, List<Source> sources, Trainer.Options o, Outcome outcome, String command) {
        StringBuilder b = new StringBuilder();
        b.append("# Model card: ").append(name).append("\n\n");
        b.append("Generated by `portrait train` on ")
                .append(LocalDate.now(ZoneOffset.UTC))
                .append(" with:\n\n```\n")
                .append(command)
                .append("\n```\n\n");
        b.append("sha256 of the ONNX file: `").append(outcome.sha256()).append("`\n\n");
        b.append("## What it predicts\n\n");
        b.append(
                "After every event of a user, from the user's whole history (carried in the LSTM"
                        + " state):\n\n");
        b.append(
                "- `next_action`: the distribution of the type of the user's next event (16"
                        + " classes, one per event type);\n");
        b.append("- `purchase_soon`: the probability of a purchase among the user's next ")
                .append(o.purchaseWithin())
                .append(" events;\n");
        b.append("- `churn`: the probability that the user's next event comes more than ")
                .append(o.churnHorizon().toHours())
                .append(
                        " h later (or never). The job raises it further while the user stays silent"
                                + " (docs/models/next-action.md).\n\n");
        b.append("## Architecture and encoding\n\n");
        b.append("One LSTM layer (ONNX `LSTM`, opset 13, hidden ")
                .append(o.hidden())
                .append(") over encoding ")
                .append(Encoding.VERSION)
                .append(" (")
                .append(Encoding.FEATURES)
                .append(
                        " inputs: event type one-hot, log amount, log gap since the previous event,"
                                + " first-event flag, local hour as sin/cos, 8 category hash buckets, same"
                                + " item and same category as the previous event), a softmax head and two"
                                + " sigmoid heads on the hidden state.\n\n");
        b.append("## Data\n\n");
        for (Source s : sources) {
            b.append("- **")
                    .append(s.name)
                    .append("**: ")
                    .append(s.description)
                    .append(" — ")
                    .append(s.data.users().size())
                    .append(" users, ")
                    .append(s.data.events())
                    .append(" events.\n");
        }
        b.append(
                "\nUsers are split by a stable hash of the user id: 70 % train, 10 % validation"
                        + " (early stopping, Markov smoothing), 20 % test. No user is in two splits. Each source weighs the same in the training loss,"
                        + " however many events it has.\n\n");
        b.append("## Training\n\n");
        b.append(
                String.format(
                        Locale.ROOT,
                        "Plain-Java truncated BPTT (chunks of %d events, state carried between"
                                + " chunks), Adam (lr %.4f), %d chunks per mini-batch, gradient"
                                + " norm clipped at %.1f, binary heads weighted %.2f, seed %d; best"
                                + " epoch %d of %d by validation loss.\n\n",
                        o.chunk(),
                        o.learningRate(),
                        o.batchChunks(),
                        o.clipNorm(),
                        o.binaryWeight(),
                        o.seed(),
                        outcome.result().bestEpoch(),
                        outcome.result().epochs().size() - 1));
        b.append(
                "| epoch | train loss | validation loss (relative to untrained) | ms |\n| --- | --- | --- | --- |\n");
        for (Trainer.Epoch e : outcome.result().epochs()) {
            b.append(
                    String.format(
                            Locale.ROOT,
                            "| %d | %.4f | %.4f | %d |\n",
                            e.epoch(),
                            e.trainLoss(),
                            e.validationLoss(),
                            e.millis()));
        }
        b.append("\n## Metrics on held-out test users\n\n");
        b.append(
                "Computed on the exported ONNX model through ONNX Runtime, one incremental step per"
                        + " event, exactly as the job runs it. Log-loss is the mean negative log"
                        + " probability of the actual next event type (lower is better). The Markov"
                        + " baseline is a first-order chain over event types fitted on the training users"
                        + " with additive smoothing tuned on the validation users; the majority baseline"
                        + " always predicts the most common next type.\n\n");
        b.append(
                "| data | users | predictions | top-1 | log-loss | Markov top-1 | Markov log-loss"
                        + " | log-loss vs Markov | majority top-1 | purchase-soon AUC | churn AUC |\n");
        b.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        List<String> verdicts = new ArrayList<>();
        for (var e : outcome.test().entrySet()) {
            Evaluation.Report r = e.getValue();
            b.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %d | %d | %.4f | %.4f | %.4f | %.4f | %+.1f %% | %.4f | %.4f |"
                                    + " %.4f |\n",
                            e.getKey(),
                            r.users(),
                            r.predictions(),
                            r.top1(),
                            r.logloss(),
                            r.markovTop1(),
                            r.markovLogloss(),
                            -100 * r.loglossGainOverMarkov(),
                            r.majorityTop1(),
                            r.purchaseAuc(),
                            r.churnAuc()));
            verdicts.add(
                    String.format(
                            Locale.ROOT,
                            "- %s: log-loss %.1f %% %s Markov's (goal: at least 5 %% below) — %s.",
                            e.getKey(),
                            100 * Math.abs(r.loglossGainOverMarkov()),
                            r.loglossGainOverMarkov() >= 0 ? "below" : "above",
                            r.loglossGainOverMarkov() >= 0.05 ? "goal met" : "goal NOT met"));
        }
        b.append("\n").append(String.join("\n", verdicts)).append("\n");
        return b.toString();
    }

    public static void write(Path path, byte[] bytes) throws IOException {
        if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
        }
        Files.write(path, bytes);
    }
}
