package io.portrait.predict;

import io.portrait.predict.LstmNet.Target;
import io.portrait.predict.SequenceData.UserSequence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Trains an {@link LstmNet} with truncated back-propagation through time and Adam: each user's
 * sequence is cut into chunks whose state carries over from the previous chunk, gradients of a
 * mini-batch of chunks are averaged per step, clipped by global norm, and applied. The epoch with
 * the best validation loss wins (early stopping).
 */
public final class Trainer {

    /** Hyper-parameters; {@link #defaults()} are the shipped model's. */
    public record Options(
            int hidden,
            int epochs,
            int chunk,
            int batchChunks,
            double learningRate,
            double binaryWeight,
            double clipNorm,
            int patience,
            int purchaseWithin,
            Duration churnHorizon,
            long seed) {
        public static Options defaults() {
            return new Options(32, 12, 48, 16, 0.004, 0.5, 5.0, 3, 10, Duration.ofDays(1), 42);
        }

        /** These options with another size, length of training and seed. */
        public Options with(int newHidden, int newEpochs, long newSeed) {
            return new Options(
                    newHidden,
                    newEpochs,
                    chunk,
                    batchChunks,
                    learningRate,
                    binaryWeight,
                    clipNorm,
                    patience,
                    purchaseWithin,
                    churnHorizon,
                    newSeed);
        }
    }

    /** One epoch's progress; validation loss is relative to the untrained net's (1.0). */
    public record Epoch(int epoch, double trainLoss, double validationLoss, long millis) {}

    /** The trained net and how training went. */
    public record Result(LstmNet net, List<Epoch> epochs, int bestEpoch) {}

    private Trainer() {}

    /** An encoded user: inputs and targets, step by step. */
    record Encoded(float[][] xs, Target[] ys, double weight) {
        Encoded weighted(double w) {
            return new Encoded(xs, ys, w);
        }
    }

    static Encoded encode(UserSequence user, Options o, long dataEnd) {
        List<StepInput> steps = user.steps();
        float[][] xs = new float[steps.size()][];
        StepInput prev = null;
        for (int t = 0; t < xs.length; t++) {
            xs[t] = Encoding.encode(steps.get(t), prev);
            prev = steps.get(t);
        }
        return new Encoded(
                xs, Labels.of(steps, o.purchaseWithin(), o.churnHorizon(), dataEnd), 1.0);
    }

    /**
     * @param trains training users per data source: each source carries the same total weight in
     *     the gradient, however many events it has
     * @param validations validation users per data source: early stopping watches the mean over
     *     sources of each source's loss relative to its loss before training, so a large source
     *     with a high loss cannot drown a small one
     */
    public static Result train(
            List<SequenceData> trains,
            List<SequenceData> validations,
            Options o,
            Consumer<Epoch> progress) {
        List<Encoded> trainSet = new ArrayList<>();
        long allSteps = trains.stream().mapToLong(SequenceData::events).sum();
        for (SequenceData t : trains) {
            double w = allSteps / (double) (trains.size() * Math.max(1, t.events()));
            for (Encoded e : encodeAll(t, o)) {
                trainSet.add(e.weighted(w));
            }
        }
        List<List<Encoded>> validSets = new ArrayList<>();
        for (SequenceData v : validations) {
            validSets.add(encodeAll(v, o));
        }
        LstmNet net =
                new LstmNet(Encoding.FEATURES, o.hidden(), Encoding.CLASSES)
                        .initialise(
                                new Random(o.seed()), classPrior(trainSet), binaryPrior(trainSet));
        Adam adam = new Adam(net.size(), o.learningRate());
        Random shuffle = new Random(o.seed() + 1);
        List<Epoch> epochs = new ArrayList<>();
        LstmNet best = net.copy();
        double[] initial = new double[validSets.size()];
        for (int i = 0; i < initial.length; i++) {
            initial[i] = loss(net, validSets.get(i), o);
        }
        double bestLoss = relativeLoss(net, validSets, initial, o);
        int bestEpoch = 0;
        epochs.add(new Epoch(0, Double.NaN, bestLoss, 0));
        progress.accept(epochs.get(0));
        for (int epoch = 1; epoch <= o.epochs(); epoch++) {
            long start = System.nanoTime();
            double trainLoss = epoch(net, adam, trainSet, o, shuffle);
            double validLoss = relativeLoss(net, validSets, initial, o);
            Epoch e =
                    new Epoch(epoch, trainLoss, validLoss, (System.nanoTime() - start) / 1_000_000);
            epochs.add(e);
            progress.accept(e);
            if (validLoss < bestLoss) {
                bestLoss = validLoss;
                best = net.copy();
                bestEpoch = epoch;
            } else if (epoch - bestEpoch >= o.patience()) {
                break;
            }
        }
        return new Result(best, List.copyOf(epochs), bestEpoch);
    }

    private static List<Encoded> encodeAll(SequenceData data, Options o) {
        List<Encoded> out = new ArrayList<>();
        for (UserSequence u : data.users()) {
            out.add(encode(u, o, data.endTs()));
        }
        return out;
    }

    /** A chunk of a user's sequence, with the state it starts from filled in at training time. */
    private record Chunk(Encoded user, int from, int to) {}

    private static double epoch(
            LstmNet net, Adam adam, List<Encoded> users, Options o, Random shuffle) {
        // Users are visited in random order; each user's chunks run in order with carried state.
        List<Encoded> order = new ArrayList<>(users);
        Collections.shuffle(order, shuffle);
        double[] grad = new double[net.size()];
        double total = 0;
        double steps = 0;
        int inBatch = 0;
        double batchSteps = 0;
        for (Encoded u : order) {
            double[] h = new double[net.hidden];
            double[] c = new double[net.hidden];
            for (int from = 0; from < u.xs.length; from += o.chunk()) {
                int to = Math.min(u.xs.length, from + o.chunk());
                Chunk ch = new Chunk(u, from, to);
                total +=
                        u.weight
                                * net.backward(
                                        java.util.Arrays.copyOfRange(ch.user.xs, ch.from, ch.to),
                                        java.util.Arrays.copyOfRange(ch.user.ys, ch.from, ch.to),
                                        h,
                                        c,
                                        o.binaryWeight(),
                                        u.weight,
                                        grad);
                steps += u.weight * (to - from);
                batchSteps += u.weight * (to - from);
                if (++inBatch == o.batchChunks()) {
                    adam.step(net.params, grad, 1.0 / batchSteps, o.clipNorm());
                    java.util.Arrays.fill(grad, 0);
                    inBatch = 0;
                    batchSteps = 0;
                }
            }
        }
        if (inBatch > 0) {
            adam.step(net.params, grad, 1.0 / batchSteps, o.clipNorm());
        }
        return total / Math.max(1, steps);
    }

    private static double relativeLoss(
            LstmNet net, List<List<Encoded>> sets, double[] initial, Options o) {
        double sum = 0;
        for (int i = 0; i < initial.length; i++) {
            sum += loss(net, sets.get(i), o) / initial[i];
        }
        return sum / initial.length;
    }

    /** Mean loss per step (same objective as training) over a data set, no updates. */
    static double loss(LstmNet net, List<Encoded> users, Options o) {
        double total = 0;
        long steps = 0;
        double[] scratch = new double[net.size()];
        for (Encoded u : users) {
            double[] h = new double[net.hidden];
            double[] c = new double[net.hidden];
            total += net.backward(u.xs, u.ys, h, c, o.binaryWeight(), 0.0, scratch);
            steps += u.xs.length;
        }
        return total / Math.max(1, steps);
    }

    private static double[] classPrior(List<Encoded> users) {
        double[] counts = new double[Encoding.CLASSES];
        double n = 0;
        for (Encoded u : users) {
            for (Target t : u.ys) {
                if (t.nextClass() >= 0) {
                    counts[t.nextClass()]++;
                    n++;
                }
            }
        }
        for (int k = 0; k < counts.length; k++) {
            counts[k] = (counts[k] + 0.1) / (n + 0.1 * counts.length);
        }
        return counts;
    }

    private static double[] binaryPrior(List<Encoded> users) {
        double[] pos = new double[LstmNet.BINARY_HEADS];
        double[] n = new double[LstmNet.BINARY_HEADS];
        for (Encoded u : users) {
            for (Target t : u.ys) {
                int[] y = {t.purchaseSoon(), t.churn()};
                for (int k = 0; k < y.length; k++) {
                    if (y[k] >= 0) {
                        pos[k] += y[k];
                        n[k]++;
                    }
                }
            }
        }
        double[] p = new double[LstmNet.BINARY_HEADS];
        for (int k = 0; k < p.length; k++) {
            p[k] = (pos[k] + 1) / (n[k] + 2);
        }
        return p;
    }

    /** Adam with global-norm gradient clipping. */
    static final class Adam {
        private final double[] m;
        private final double[] v;
        private final double lr;
        private int t;

        Adam(int size, double lr) {
            this.m = new double[size];
            this.v = new double[size];
            this.lr = lr;
        }

        void step(double[] params, double[] grad, double scale, double clipNorm) {
            double norm = 0;
            for (double g : grad) {
                norm += g * g * scale * scale;
            }
            norm = Math.sqrt(norm);
            double s = norm > clipNorm ? scale * clipNorm / norm : scale;
            t++;
            double b1 = 0.9;
            double b2 = 0.999;
            double c1 = 1 - Math.pow(b1, t);
            double c2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < params.length; i++) {
                double g = grad[i] * s;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                params[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
            }
        }
    }
}
