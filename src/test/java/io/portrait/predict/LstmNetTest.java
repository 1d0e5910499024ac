package io.portrait.predict;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.predict.LstmNet.Target;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LstmNetTest {

    private static LstmNet randomNet(Random r, int f, int h, int c) {
        LstmNet net = new LstmNet(f, h, c);
        for (int i = 0; i < net.params.length; i++) {
            net.params[i] = (r.nextDouble() * 2 - 1) * 0.8;
        }
        return net;
    }

    private static float[][] randomInputs(Random r, int n, int f) {
        float[][] xs = new float[n][f];
        for (float[] x : xs) {
            for (int k = 0; k < f; k++) {
                x[k] = (float) r.nextGaussian();
            }
        }
        return xs;
    }

    private static Target[] randomTargets(Random r, int n, int classes) {
        Target[] ts = new Target[n];
        for (int t = 0; t < n; t++) {
            // Include masked targets (-1) so the masking is checked too.
            ts[t] = new Target(r.nextInt(classes + 1) - 1, r.nextInt(3) - 1, r.nextInt(3) - 1);
        }
        return ts;
    }

    @Test
    void analyticGradientMatchesFiniteDifferences() {
        Random r = new Random(7);
        LstmNet net = randomNet(r, 5, 4, 3);
        float[][] xs = randomInputs(r, 6, 5);
        Target[] ys = randomTargets(r, 6, 3);
        double[] h0 = {0.1, -0.2, 0.3, 0.05};
        double[] c0 = {-0.3, 0.2, 0.1, 0.4};

        double[] grad = new double[net.size()];
        net.backward(xs, ys, h0.clone(), c0.clone(), 0.7, 1.0, grad);

        double eps = 1e-5;
        double worst = 0;
        for (int i = 0; i < net.size(); i++) {
            double keep = net.params[i];
            net.params[i] = keep + eps;
            double up =
                    net.backward(xs, ys, h0.clone(), c0.clone(), 0.7, 1.0, new double[net.size()]);
            net.params[i] = keep - eps;
            double down =
                    net.backward(xs, ys, h0.clone(), c0.clone(), 0.7, 1.0, new double[net.size()]);
            net.params[i] = keep;
            double numeric = (up - down) / (2 * eps);
            // Central differences carry ~1e-10 of rounding: compare relatively above that.
            double rel = Math.abs(numeric - grad[i]) / Math.max(1e-4, Math.abs(numeric));
            worst = Math.max(worst, rel);
        }
        assertThat(worst).as("worst relative gradient error").isLessThan(1e-6);
    }

    @Test
    void backwardCarriesTheStateAcrossChunks() {
        Random r = new Random(3);
        LstmNet net = randomNet(r, 5, 4, 3);
        float[][] xs = randomInputs(r, 8, 5);
        double[] h = new double[4];
        double[] c = new double[4];
        for (float[] x : xs) {
            net.step(x, h, c, null, null);
        }
        double[] h2 = new double[4];
        double[] c2 = new double[4];
        Target[] ys = randomTargets(r, 4, 3);
        net.backward(
                java.util.Arrays.copyOfRange(xs, 0, 4), ys, h2, c2, 1, 1, new double[net.size()]);
        net.backward(
                java.util.Arrays.copyOfRange(xs, 4, 8), ys, h2, c2, 1, 1, new double[net.size()]);
        assertThat(h2).containsExactly(h, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c2).containsExactly(c, org.assertj.core.data.Offset.offset(1e-12));
    }
}
