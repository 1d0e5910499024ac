package io.portrait.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code portrait train} and {@code portrait evaluate} on small real and generated data. */
class ModelCommandsTest {
    static final String TAOBAO = "src/test/resources/datasets/taobao_20k.csv.gz";
    static final Pattern LINE =
            Pattern.compile(
                    "evaluate: users=(\\d+) events=(\\d+) top1=([\\d.]+) logloss=([\\d.]+)"
                            + " markov_top1=([\\d.]+) markov_logloss=([\\d.]+)"
                            + " majority_top1=([\\d.]+) purchase_auc=([\\d.]+)");

    @TempDir Path dir;

    record Run(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static Run run(String... args) {
        CommandLine cl = PortraitCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void evaluateScoresTheShippedModelAgainstTheBaselinesOnRealData() {
        // Held-out users only (the 20 % test split by user hash that training never saw).
        Run r = run("evaluate", "--data", TAOBAO, "--format", "taobao", "--users", "test");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher m = LINE.matcher(r.lastLine());
        assertThat(m.matches()).as(r.lastLine()).isTrue();
        assertThat(Long.parseLong(m.group(1))).as("held-out users").isGreaterThan(20);
        double logloss = Double.parseDouble(m.group(4));
        assertThat(logloss).isLessThan(Math.log(16)).isGreaterThan(0);
        assertThat(logloss)
                .as("log-loss on held-out users below the first-order Markov chain's")
                .isLessThan(Double.parseDouble(m.group(6)));
        assertThat(Double.parseDouble(m.group(3)))
                .as("top-1 at least the majority's")
                .isGreaterThanOrEqualTo(Double.parseDouble(m.group(7)) - 0.01);
        assertThat(Double.parseDouble(m.group(8))).as("purchase AUC").isGreaterThan(0.55);
    }

    @Test
    void trainWritesAModelAndCardThatEvaluateLoads() throws Exception {
        Path model = dir.resolve("m.onnx");
        Path card = dir.resolve("card.md");
        Run t =
                run(
                        "train",
                        "--generated-users",
                        "60",
                        "--generated-events",
                        "4000",
                        "--epochs",
                        "2",
                        "--hidden",
                        "8",
                        "--name",
                        "tiny",
                        "--out",
                        model.toString(),
                        "--card",
                        card.toString());
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.lastLine()).startsWith("train: wrote " + model).contains("sha256=");
        assertThat(Files.readString(card))
                .contains("# Model card: tiny")
                .contains("portrait train --generated-users 60 ")
                .doesNotContain("portrait train train")
                .contains("| generated |")
                .contains("Markov");
        Run e =
                run(
                        "evaluate",
                        "--model",
                        model.toString(),
                        "--data",
                        TAOBAO,
                        "--format",
                        "taobao");
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out()).contains("model tiny");
        assertThat(LINE.matcher(e.lastLine()).matches()).isTrue();
    }

    @Test
    void badInputFailsWithAMessageThatSaysWhatToFix() {
        assertThat(run("evaluate", "--data", "nope.csv", "--format", "taobao").err())
                .contains("--data nope.csv is not a readable file");
        assertThat(run("evaluate", "--data", TAOBAO, "--format", "taobao", "--users", "x").err())
                .contains("--users x is unknown");
        assertThat(run("evaluate", "--data", TAOBAO, "--format", "csv").err())
                .contains("--format csv is unknown");
        assertThat(run("train", "--out", dir.resolve("x.onnx").toString()).err())
                .contains("Give --data FILE, --generated-users N, or both.");
        assertThat(run("model", "publish", "--file", "nope.onnx", "--version", "2").err())
                .contains("--file nope.onnx is not a readable file");
        Path notAModel = dir.resolve("not-a-model.onnx");
        try {
            Files.writeString(notAModel, "hello");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Run bad = run("model", "publish", "--file", notAModel.toString(), "--version", "2");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("not-a-model.onnx: not a usable ONNX model");
        assertThat(run("model", "publish", "--file", notAModel.toString(), "--version", "0").err())
                .contains("--version must be >= 1");
    }
}
