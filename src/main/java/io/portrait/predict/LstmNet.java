package io.portrait.predict;

import java.util.Arrays;
import java.util.Random;

/**
 * The sequence model in plain Java: one LSTM layer with ONNX's equations and gate order (i, o, f,
 * c; sigmoid, tanh, tanh; no peepholes), a softmax head for the next event type and two sigmoid
 * heads (purchase soon, churn) on the hidden state. It is the reference forward pass the ONNX
 * export is checked against, and it trains itself by back-propagation through time ({@link
 * #backward}).
 *
 * <p>Parameters live in one flat array so an optimiser can treat them as a vector; the views below
 * give each tensor's offset. Row-major, {@code [rows][cols]}.
 */
public final class LstmNet {
    /** Sigmoid heads after the softmax one. */
    public static final int BINARY_HEADS = 2;

    public static final int PURCHASE = 0;
    public static final int CHURN = 1;

    final int inputs;
    final int hidden;
    final int classes;

    /** W [4H][F], R [4H][H], b [4H], Wy [C][H], by [C], Wz [2][H], bz [2]. */
    final double[] params;

    final int offW;
    final int offR;
    final int offB;
    final int offWy;
    final int offBy;
    final int offWz;
    final int offBz;

    public LstmNet(int inputs, int hidden, int classes) {
        this.inputs = inputs;
        this.hidden = hidden;
        this.classes = classes;
        int g = 4 * hidden;
        offW = 0;
        offR = offW + g * inputs;
        offB = offR + g * hidden;
        offWy = offB + g;
        offBy = offWy + classes * hidden;
        offWz = offBy + classes;
        offBz = offWz + BINARY_HEADS * hidden;
        params = new double[offBz + BINARY_HEADS];
    }

    public int inputs() {
        return inputs;
    }

    public int hidden() {
        return hidden;
    }

    public int classes() {
        return classes;
    }

    public int size() {
        return params.length;
    }

    /** Glorot-style uniform weights, forget-gate bias 1, head biases at the given priors. */
    public LstmNet initialise(Random random, double[] classPrior, double[] binaryPrior) {
        double scale = 1.0 / Math.sqrt(hidden);
        for (int i = offW; i < offB; i++) {
            params[i] = (random.nextDouble() * 2 - 1) * scale;
        }
        for (int j = 0; j < hidden; j++) {
            params[offB + 2 * hidden + j] = 1.0; // forget gate
        }
        for (int i = offWy; i < offBy; i++) {
            params[i] = (random.nextDouble() * 2 - 1) * scale;
        }
        for (int i = offWz; i < offBz; i++) {
            params[i] = (random.nextDouble() * 2 - 1) * scale;
        }
        for (int k = 0; k < classes; k++) {
            params[offBy + k] = Math.log(Math.max(classPrior[k], 1e-6));
        }
        for (int k = 0; k < BINARY_HEADS; k++) {
            double p = Math.min(Math.max(binaryPrior[k], 1e-4), 1 - 1e-4);
            params[offBz + k] = Math.log(p / (1 - p));
        }
        return this;
    }

    /** A copy with the same parameters. */
    public LstmNet copy() {
        LstmNet n = new LstmNet(inputs, hidden, classes);
        System.arraycopy(params, 0, n.params, 0, params.length);
        return n;
    }

    double w(int gateRow, int col) {
        return params[offW + gateRow * inputs + col];
    }

    // ---------------------------------------------------------------- forward

    /** One step's activations, kept for back-propagation. */
    static final class Step {
        final double[] x;
        final double[] hPrev;
        final double[] cPrev;
        final double[] gates; // i, o, f, g after their non-linearity
        final double[] c;
        final double[] tanhC;
        final double[] h;
        final double[] probs;
        final double[] binary;

        Step(int f, int h, int classes) {
            x = new double[f];
            hPrev = new double[h];
            cPrev = new double[h];
            gates = new double[4 * h];
            c = new double[h];
            tanhC = new double[h];
            this.h = new double[h];
            probs = new double[classes];
            binary = new double[BINARY_HEADS];
        }
    }

    /**
     * Advances (h, c) by one input and fills the heads. {@code h} and {@code c} are read as the
     * previous state and overwritten with the new one.
     *
     * @param probs receives the next-action distribution, or null
     * @param binary receives the sigmoid heads, or null
     */
    public void step(float[] x, double[] h, double[] c, double[] probs, double[] binary) {
        Step s = new Step(inputs, hidden, classes);
        for (int k = 0; k < inputs; k++) {
            s.x[k] = x[k];
        }
        System.arraycopy(h, 0, s.hPrev, 0, hidden);
        System.arraycopy(c, 0, s.cPrev, 0, hidden);
        forward(s);
        System.arraycopy(s.h, 0, h, 0, hidden);
        System.arraycopy(s.c, 0, c, 0, hidden);
        if (probs != null) {
            System.arraycopy(s.probs, 0, probs, 0, classes);
        }
        if (binary != null) {
            System.arraycopy(s.binary, 0, binary, 0, BINARY_HEADS);
        }
    }

    void forward(Step s) {
        int hs = hidden;
        for (int r = 0; r < 4 * hs; r++) {
            double a = params[offB + r];
            int w = offW + r * inputs;
            for (int k = 0; k < inputs; k++) {
                a += params[w + k] * s.x[k];
            }
            int u = offR + r * hs;
            for (int k = 0; k < hs; k++) {
                a += params[u + k] * s.hPrev[k];
            }
            s.gates[r] = r >= 3 * hs ? Math.tanh(a) : sigmoid(a);
        }
        for (int j = 0; j < hs; j++) {
            double i = s.gates[j];
            double o = s.gates[hs + j];
            double f = s.gates[2 * hs + j];
            double g = s.gates[3 * hs + j];
            s.c[j] = f * s.cPrev[j] + i * g;
            s.tanhC[j] = Math.tanh(s.c[j]);
            s.h[j] = o * s.tanhC[j];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            double a = params[offBy + k];
            int w = offWy + k * hs;
            for (int j = 0; j < hs; j++) {
                a += params[w + j] * s.h[j];
            }
            s.probs[k] = a;
            max = Math.max(max, a);
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            s.probs[k] = Math.exp(s.probs[k] - max);
            sum += s.probs[k];
        }
        for (int k = 0; k < classes; k++) {
            s.probs[k] /= sum;
        }
        for (int k = 0; k < BINARY_HEADS; k++) {
            double a = params[offBz + k];
            int w = offWz + k * hs;
            for (int j = 0; j < hs; j++) {
                a += params[w + j] * s.h[j];
            }
            s.binary[k] = sigmoid(a);
        }
    }

    static double sigmoid(double a) {
        return 1.0 / (1.0 + Math.exp(-a));
    }

    // ---------------------------------------------------------------- training

    /** Targets of one step; a negative target is masked out (no loss, no gradient). */
    public record Target(int nextClass, int purchaseSoon, int churn) {}

    /**
     * Runs a chunk forward from ({@code h0}, {@code c0}), adds the gradient of its summed loss
     * (times {@code scale}) to {@code grad}, and returns the summed loss. The loss per step is the
     * next-action cross-entropy plus {@code binaryWeight} times each sigmoid head's binary
     * cross-entropy. On return {@code h0}/{@code c0} hold the state after the chunk (for the next
     * chunk of the same user; gradients do not flow across chunks).
     */
    public double backward(
            float[][] xs,
            Target[] targets,
            double[] h0,
            double[] c0,
            double binaryWeight,
            double scale,
            double[] grad) {
        int n = xs.length;
        int hs = hidden;
        Step[] steps = new Step[n];
        double loss = 0;
        double[] h = h0.clone();
        double[] c = c0.clone();
        for (int t = 0; t < n; t++) {
            Step s = new Step(inputs, hs, classes);
            for (int k = 0; k < inputs; k++) {
                s.x[k] = xs[t][k];
            }
            System.arraycopy(h, 0, s.hPrev, 0, hs);
            System.arraycopy(c, 0, s.cPrev, 0, hs);
            forward(s);
            h = s.h;
            c = s.c;
            steps[t] = s;
            Target y = targets[t];
            if (y.nextClass() >= 0) {
                loss -= Math.log(Math.max(s.probs[y.nextClass()], 1e-300));
            }
            loss += binaryWeight * bce(s.binary[PURCHASE], y.purchaseSoon());
            loss += binaryWeight * bce(s.binary[CHURN], y.churn());
        }
        System.arraycopy(h, 0, h0, 0, hs);
        System.arraycopy(c, 0, c0, 0, hs);

        double[] dhNext = new double[hs];
        double[] dcNext = new double[hs];
        double[] dh = new double[hs];
        double[] da = new double[4 * hs];
        for (int t = n - 1; t >= 0; t--) {
            Step s = steps[t];
            Target y = targets[t];
            System.arraycopy(dhNext, 0, dh, 0, hs);
            if (y.nextClass() >= 0) {
                for (int k = 0; k < classes; k++) {
                    double d = (s.probs[k] - (k == y.nextClass() ? 1 : 0)) * scale;
                    grad[offBy + k] += d;
                    int w = offWy + k * hs;
                    for (int j = 0; j < hs; j++) {
                        grad[w + j] += d * s.h[j];
                        dh[j] += d * params[w + j];
                    }
                }
            }
            int[] binaryTargets = {y.purchaseSoon(), y.churn()};
            for (int k = 0; k < BINARY_HEADS; k++) {
                if (binaryTargets[k] < 0) {
                    continue;
                }
                double d = binaryWeight * (s.binary[k] - binaryTargets[k]) * scale;
                grad[offBz + k] += d;
                int w = offWz + k * hs;
                for (int j = 0; j < hs; j++) {
                    grad[w + j] += d * s.h[j];
                    dh[j] += d * params[w + j];
                }
            }
            for (int j = 0; j < hs; j++) {
                double i = s.gates[j];
                double o = s.gates[hs + j];
                double f = s.gates[2 * hs + j];
                double g = s.gates[3 * hs + j];
                double dOut = dh[j] * s.tanhC[j];
                double dc = dh[j] * o * (1 - s.tanhC[j] * s.tanhC[j]) + dcNext[j];
                da[j] = dc * g * i * (1 - i);
                da[hs + j] = dOut * o * (1 - o);
                da[2 * hs + j] = dc * s.cPrev[j] * f * (1 - f);
                da[3 * hs + j] = dc * i * (1 - g * g);
                dcNext[j] = dc * f;
            }
            Arrays.fill(dhNext, 0);
            for (int r = 0; r < 4 * hs; r++) {
                double d = da[r];
                if (d == 0) {
                    continue;
                }
                grad[offB + r] += d;
                int w = offW + r * inputs;
                for (int k = 0; k < inputs; k++) {
                    grad[w + k] += d * s.x[k];
                }
                int u = offR + r * hs;
                for (int k = 0; k < hs; k++) {
                    grad[u + k] += d * s.hPrev[k];
                    dhNext[k] += d * params[u + k];
                }
            }
        }
        return loss;
    }

    static double bce(double p, int target) {
        if (target < 0) {
            return 0;
        }
        double q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
        return target == 1 ? -Math.log(q) : -Math.log(1 - q);
    }
}
