package io.portrait.predict;

import io.portrait.predict.LstmNet.Target;
import io.portrait.predict.SequenceData.UserSequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Scores a model on users' sequences the way the job runs it: one incremental ONNX step per event
 * with the carried (h, c), many users per call. Next-action accuracy and log-loss are set against a
 * majority-class baseline and a smoothed first-order Markov chain fitted on training users; the
 * binary heads are scored by ROC AUC.
 */
public final class Evaluation {
    private static final double FLOOR = 1e-7;

    /** The figures of one evaluation. */
    public record Report(
            long users,
            long events,
            long predictions,
            double top1,
            double logloss,
            double markovTop1,
            double markovLogloss,
            double majorityTop1,
            double purchaseAuc,
            double churnAuc) {
        /** The single line {@code portrait evaluate} ends with. */
        public String line() {
            return String.format(
                    Locale.ROOT,
                    "evaluate: users=%d events=%d top1=%.4f logloss=%.4f markov_top1=%.4f"
                            + " markov_logloss=%.4f majority_top1=%.4f purchase_auc=%.4f",
                    users,
                    events,
                    top1,
                    logloss,
                    markovTop1,
                    markovLogloss,
                    majorityTop1,
                    purchaseAuc);
        }

        /** How far below Markov's the model's log-loss is, as a fraction (0.05 = 5 % lower). */
        public double loglossGainOverMarkov() {
            return 1 - logloss / markovLogloss;
        }
    }

    private Evaluation() {}

    /** A smoothed first-order Markov chain over event types. */
    public static final class Markov {
        final double[][] p = new double[Encoding.CLASSES][Encoding.CLASSES];
        final int majority;
        final double alpha;

        Markov(double[][] counts, double alpha) {
            this.alpha = alpha;
            double[] totals = new double[Encoding.CLASSES];
            for (int a = 0; a < Encoding.CLASSES; a++) {
                double row = 0;
                for (int b = 0; b < Encoding.CLASSES; b++) {
                    row += counts[a][b];
                    totals[b] += counts[a][b];
                }
                for (int b = 0; b < Encoding.CLASSES; b++) {
                    p[a][b] = (counts[a][b] + alpha) / (row + alpha * Encoding.CLASSES);
                }
            }
            int best = 0;
            for (int b = 1; b < Encoding.CLASSES; b++) {
                if (totals[b] > totals[best]) {
                    best = b;
                }
            }
            majority = best;
        }

        /**
         * Fits on {@code train}, choosing the smoothing that gives {@code validation} the lowest
         * log-loss (so the baseline is as strong as it can be).
         */
        public static Markov fit(SequenceData train, SequenceData validation) {
            double[][] counts = transitions(train);
            Markov best = null;
            double bestLoss = Double.MAX_VALUE;
            for (double alpha : new double[] {0.001, 0.01, 0.1, 0.5, 1, 2}) {
                Markov m = new Markov(counts, alpha);
                double loss = m.logloss(validation);
                if (loss < bestLoss) {
                    bestLoss = loss;
                    best = m;
                }
            }
            return best;
        }

        private static double[][] transitions(SequenceData data) {
            double[][] counts = new double[Encoding.CLASSES][Encoding.CLASSES];
            for (UserSequence u : data.users()) {
                for (int t = 0; t + 1 < u.steps().size(); t++) {
                    counts[u.steps().get(t).slot()][u.steps().get(t + 1).slot()]++;
                }
            }
            return counts;
        }

        double logloss(SequenceData data) {
            double loss = 0;
            long n = 0;
            for (UserSequence u : data.users()) {
                for (int t = 0; t + 1 < u.steps().size(); t++) {
                    loss -= Math.log(p[u.steps().get(t).slot()][u.steps().get(t + 1).slot()]);
                    n++;
                }
            }
            return n == 0 ? Double.NaN : loss / n;
        }

        public double[] next(int slot) {
            return p[slot];
        }
    }

    /**
     * Runs {@code model} over every user of {@code data}: users in batches of {@code batch}, all
     * users of a batch advanced one event per ONNX call.
     */
    public static Report run(OnnxModel model, SequenceData data, Markov markov, int batch) {
        ModelInfo info = model.info();
        int f = Encoding.FEATURES;
        int hs = info.hidden();
        int classes = Encoding.CLASSES;
        List<UserSequence> users = data.users();
        double loss = 0;
        double markovLoss = 0;
        long hits = 0;
        long markovHits = 0;
        long majorityHits = 0;
        long n = 0;
        long events = 0;
        List<double[]> purchase = new ArrayList<>();
        List<double[]> churn = new ArrayList<>();
        for (int from = 0; from < users.size(); from += batch) {
            List<UserSequence> group = users.subList(from, Math.min(users.size(), from + batch));
            int b = group.size();
            Target[][] labels = new Target[b][];
            int longest = 0;
            for (int u = 0; u < b; u++) {
                List<StepInput> steps = group.get(u).steps();
                labels[u] =
                        Labels.of(steps, info.purchaseWithin(), info.churnHorizon(), data.endTs());
                longest = Math.max(longest, steps.size());
                events += steps.size();
            }
            float[] h = new float[b * hs];
            float[] c = new float[b * hs];
            for (int t = 0; t < longest; t++) {
                // Users still active at step t form this call's batch.
                int[] active = new int[b];
                int k = 0;
                for (int u = 0; u < b; u++) {
                    if (t < group.get(u).steps().size()) {
                        active[k++] = u;
                    }
                }
                float[] x = new float[k * f];
                float[] hIn = new float[k * hs];
                float[] cIn = new float[k * hs];
                for (int i = 0; i < k; i++) {
                    int u = active[i];
                    List<StepInput> steps = group.get(u).steps();
                    Encoding.encode(steps.get(t), t == 0 ? null : steps.get(t - 1), x, i * f);
                    System.arraycopy(h, u * hs, hIn, i * hs, hs);
                    System.arraycopy(c, u * hs, cIn, i * hs, hs);
                }
                OnnxModel.Output out = model.run(1, k, x, hIn, cIn);
                for (int i = 0; i < k; i++) {
                    int u = active[i];
                    System.arraycopy(out.h(), i * hs, h, u * hs, hs);
                    System.arraycopy(out.c(), i * hs, c, u * hs, hs);
                    Target y = labels[u][t];
                    if (y.nextClass() >= 0) {
                        int current = group.get(u).steps().get(t).slot();
                        float[] probs =
                                Arrays.copyOfRange(
                                        out.nextAction(), i * classes, (i + 1) * classes);
                        loss -= Math.log(Math.max(probs[y.nextClass()], FLOOR));
                        hits += argmax(probs) == y.nextClass() ? 1 : 0;
                        double[] mp = markov.next(current);
                        markovLoss -= Math.log(Math.max(mp[y.nextClass()], FLOOR));
                        markovHits += argmax(mp) == y.nextClass() ? 1 : 0;
                        majorityHits += markov.majority == y.nextClass() ? 1 : 0;
                        n++;
                    }
                    if (y.purchaseSoon() >= 0) {
                        purchase.add(
                                new double[] {
                                    out.binary()[i * 2 + LstmNet.PURCHASE], y.purchaseSoon()
                                });
                    }
                    if (y.churn() >= 0) {
                        churn.add(new double[] {out.binary()[i * 2 + LstmNet.CHURN], y.churn()});
                    }
                }
            }
        }
        return new Report(
                users.size(),
                events,
                n,
                hits / (double) n,
                loss / n,
                markovHits / (double) n,
                markovLoss / n,
                majorityHits / (double) n,
                auc(purchase),
                auc(churn));
    }

    public static int argmax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    /** ROC AUC of (score, label) pairs by the rank-sum formula, ties counted half. */
    static double auc(List<double[]> pairs) {
        if (pairs.isEmpty()) {
            return Double.NaN;
        }
        double[][] a = pairs.toArray(new double[0][]);
        Arrays.sort(a, (x, y) -> Double.compare(x[0], y[0]));
        double positives = 0;
        double rankSum = 0;
        int i = 0;
        while (i < a.length) {
            int j = i;
            while (j < a.length && a[j][0] == a[i][0]) {
                j++;
            }
            double rank = (i + 1 + j) / 2.0; // average rank of the tie group, 1-based
            for (int k = i; k < j; k++) {
                if (a[k][1] == 1) {
                    positives++;
                    rankSum += rank;
                }
            }
            i = j;
        }
        double negatives = a.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }
}
