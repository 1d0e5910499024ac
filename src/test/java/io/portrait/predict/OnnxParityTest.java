package io.portrait.predict;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exported ONNX graph computes what the Java reference computes, step by step or at once. */
public class OnnxParityTest {
    static final int H = 32;

    public static LstmNet randomNet(long seed) {
        Random r = new Random(seed);
        LstmNet net = new LstmNet(Encoding.FEATURES, H, Encoding.CLASSES);
        for (int i = 0; i < net.params.length; i++) {
            net.params[i] = (r.nextDouble() * 2 - 1) * 0.5;
        }
        return net;
    }

    public static byte[] export(LstmNet net, String name) {
        return OnnxExport.toOnnx(
                net,
                new ModelInfo(
                                name,
                                Encoding.VERSION,
                                Encoding.FEATURES,
                                H,
                                Encoding.CLASSES,
                                10,
                                Duration.ofDays(2))
                        .toMetadata());
    }

    @Test
    void stepwiseFullSequenceAndJavaAgree() {
        LstmNet net = randomNet(11);
        OnnxModel model = OnnxModel.acquire(export(net, "parity"));
        try {
            Random r = new Random(5);
            int users = 4;
            int seq = 30;
            int f = Encoding.FEATURES;
            float[][][] xs = new float[users][seq][f];
            for (float[][] user : xs) {
                for (float[] x : user) {
                    for (int k = 0; k < f; k++) {
                        x[k] = (float) (r.nextGaussian() * (k < Encoding.CLASSES ? 0.5 : 1));
                    }
                }
            }
            // Java reference, per user.
            double[][] javaH = new double[users][H];
            double[][] javaC = new double[users][H];
            double[][] javaProbs = new double[users][Encoding.CLASSES];
            double[][] javaBinary = new double[users][2];
            // ORT, one step at a time with the state carried in a batch of all users.
            float[] h = new float[users * H];
            float[] c = new float[users * H];
            OnnxModel.Output last = null;
            double worst = 0;
            for (int t = 0; t < seq; t++) {
                float[] x = new float[users * f];
                for (int u = 0; u < users; u++) {
                    System.arraycopy(xs[u][t], 0, x, u * f, f);
                    net.step(xs[u][t], javaH[u], javaC[u], javaProbs[u], javaBinary[u]);
                }
                last = model.run(1, users, x, h, c);
                h = last.h();
                c = last.c();
                for (int u = 0; u < users; u++) {
                    for (int k = 0; k < Encoding.CLASSES; k++) {
                        worst =
                                Math.max(
                                        worst,
                                        Math.abs(
                                                last.nextAction()[u * Encoding.CLASSES + k]
                                                        - javaProbs[u][k]));
                    }
                    for (int k = 0; k < 2; k++) {
                        worst =
                                Math.max(
                                        worst,
                                        Math.abs(last.binary()[u * 2 + k] - javaBinary[u][k]));
                    }
                    for (int j = 0; j < H; j++) {
                        worst = Math.max(worst, Math.abs(h[u * H + j] - javaH[u][j]));
                        worst = Math.max(worst, Math.abs(c[u * H + j] - javaC[u][j]));
                    }
                }
            }
            assertThat(worst).as("ORT step vs Java").isLessThanOrEqualTo(1e-5);

            // ORT over the whole sequence at once from zeros.
            float[] all = new float[seq * users * f];
            for (int t = 0; t < seq; t++) {
                for (int u = 0; u < users; u++) {
                    System.arraycopy(xs[u][t], 0, all, (t * users + u) * f, f);
                }
            }
            OnnxModel.Output full =
                    model.run(seq, users, all, new float[users * H], new float[users * H]);
            assertThat(maxDiff(full.h(), last.h())).as("full vs step h").isLessThanOrEqualTo(1e-5);
            assertThat(maxDiff(full.c(), last.c())).as("full vs step c").isLessThanOrEqualTo(1e-5);
            int lastStep = full.actionAt(seq - 1, 0);
            assertThat(
                            maxDiff(
                                    java.util.Arrays.copyOfRange(
                                            full.nextAction(), lastStep, full.nextAction().length),
                                    last.nextAction()))
                    .isLessThanOrEqualTo(1e-5);
            int lastBinary = full.binaryAt(seq - 1, 0);
            assertThat(
                            maxDiff(
                                    java.util.Arrays.copyOfRange(
                                            full.binary(), lastBinary, full.binary().length),
                                    last.binary()))
                    .isLessThanOrEqualTo(1e-5);
            // The states actually moved: the comparison is not between zeros.
            assertThat(maxDiff(last.h(), new float[users * H])).isGreaterThan(0.05);
        } finally {
            model.release();
        }
    }

    @Test
    void rowsOfDifferentLengthsInOneCallMatchJavaStepByStep() {
        LstmNet net = randomNet(21);
        OnnxModel model = OnnxModel.acquire(export(net, "lens"));
        try {
            Random r = new Random(8);
            int f = Encoding.FEATURES;
            int[] lens = {5, 1, 3, 5};
            int rows = lens.length;
            int seq = 5;
            float[] x = new float[seq * rows * f];
            float[] h0 = new float[rows * H];
            float[] c0 = new float[rows * H];
            for (int i = 0; i < h0.length; i++) {
                h0[i] = (float) (r.nextGaussian() * 0.3);
                c0[i] = (float) (r.nextGaussian() * 0.3);
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            OnnxModel.Output out = model.run(seq, rows, x, h0, c0, lens);
            double worst = 0;
            for (int b = 0; b < rows; b++) {
                double[] h = new double[H];
                double[] c = new double[H];
                for (int j = 0; j < H; j++) {
                    h[j] = h0[b * H + j];
                    c[j] = c0[b * H + j];
                }
                double[] probs = new double[Encoding.CLASSES];
                double[] binary = new double[2];
                for (int t = 0; t < lens[b]; t++) {
                    float[] xt =
                            java.util.Arrays.copyOfRange(
                                    x, (t * rows + b) * f, (t * rows + b + 1) * f);
                    net.step(xt, h, c, probs, binary);
                    for (int k = 0; k < Encoding.CLASSES; k++) {
                        worst =
                                Math.max(
                                        worst,
                                        Math.abs(
                                                out.nextAction()[out.actionAt(t, b) + k]
                                                        - probs[k]));
                    }
                    for (int k = 0; k < 2; k++) {
                        worst =
                                Math.max(
                                        worst,
                                        Math.abs(out.binary()[out.binaryAt(t, b) + k] - binary[k]));
                    }
                }
                for (int j = 0; j < H; j++) {
                    worst = Math.max(worst, Math.abs(out.h()[b * H + j] - h[j]));
                    worst = Math.max(worst, Math.abs(out.c()[b * H + j] - c[j]));
                }
            }
            assertThat(worst)
                    .as("every step's heads and each row's final state")
                    .isLessThanOrEqualTo(1e-5);
        } finally {
            model.release();
        }
    }

    @Test
    void sessionsAreSharedPerDigestAndClosedByTheLastUser() {
        byte[] bytes = export(randomNet(1), "shared");
        int before = OnnxModel.openSessions();
        OnnxModel a = OnnxModel.acquire(bytes);
        OnnxModel b = OnnxModel.acquire(bytes.clone());
        assertThat(a).isSameAs(b);
        assertThat(OnnxModel.openSessions()).isEqualTo(before + 1);
        a.release();
        assertThat(OnnxModel.openSessions()).isEqualTo(before + 1);
        b.release();
        assertThat(OnnxModel.openSessions()).isEqualTo(before);
    }

    @Test
    void aWrongDigestIsRefusedWithBothDigests() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("model", ".onnx");
        java.nio.file.Files.write(file, export(randomNet(2), "digest"));
        ModelRef ref = new ModelRef("m", 2, file.toUri().toString(), "00ff");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OnnxModel.acquire(ref))
                .hasMessageContaining("00ff")
                .hasMessageContaining(OnnxModel.sha256(java.nio.file.Files.readAllBytes(file)));
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
