package io.portrait.segment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** The k-means maths of the segment stage, free of Flink: small, pure and unit-tested. */
public final class KMeans {
    private KMeans() {}

    public static double dist2(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    public static int nearest(double[] x, double[][] centroids) {
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int j = 0; j < centroids.length; j++) {
            double d = dist2(x, centroids[j]);
            if (d < bestD) {
                bestD = d;
                best = j;
            }
        }
        return best;
    }

    /** k-means++ seeding: the first centre at random, each next one with probability ∝ D². */
    public static double[][] plusPlus(List<double[]> points, int k, Random random) {
        double[][] c = new double[k][];
        c[0] = points.get(random.nextInt(points.size())).clone();
        double[] d2 = new double[points.size()];
        Arrays.fill(d2, Double.MAX_VALUE);
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (int i = 0; i < points.size(); i++) {
                d2[i] = Math.min(d2[i], dist2(points.get(i), c[j - 1]));
                total += d2[i];
            }
            double r = random.nextDouble() * total;
            int pick = points.size() - 1;
            for (int i = 0; i < points.size(); i++) {
                r -= d2[i];
                if (r <= 0) {
                    pick = i;
                    break;
                }
            }
            c[j] = points.get(pick).clone();
        }
        return c;
    }

    /** Lloyd iterations until assignments are stable (or {@code maxIter}). */
    public static double[][] lloyd(List<double[]> points, double[][] init, int maxIter) {
        int k = init.length;
        int d = init[0].length;
        double[][] c = new double[k][];
        for (int j = 0; j < k; j++) {
            c[j] = init[j].clone();
        }
        int[] assign = new int[points.size()];
        Arrays.fill(assign, -1);
        for (int iter = 0; iter < maxIter; iter++) {
            boolean changed = false;
            for (int i = 0; i < points.size(); i++) {
                int n = nearest(points.get(i), c);
                if (n != assign[i]) {
                    assign[i] = n;
                    changed = true;
                }
            }
            double[][] sum = new double[k][d];
            long[] count = new long[k];
            for (int i = 0; i < points.size(); i++) {
                count[assign[i]]++;
                for (int t = 0; t < d; t++) {
                    sum[assign[i]][t] += points.get(i)[t];
                }
            }
            for (int j = 0; j < k; j++) {
                if (count[j] > 0) {
                    for (int t = 0; t < d; t++) {
                        c[j][t] = sum[j][t] / count[j];
                    }
                }
            }
            if (!changed) {
                break;
            }
        }
        return c;
    }

    /** Within-cluster sum of squares of points assigned to their nearest centre. */
    public static double wcss(List<double[]> points, double[][] centroids) {
        double s = 0;
        for (double[] p : points) {
            s += dist2(p, centroids[nearest(p, centroids)]);
        }
        return s;
    }

    /**
     * The decayed mini-batch rule c' = (a·n·c + m·x̄)/(a·n + m); returns the new weight a·n + m and
     * updates {@code c} in place.
     */
    public static double decayedUpdate(double[] c, double n, double a, double[] xbar, double m) {
        double w = a * n + m;
        if (w <= 0) {
            return 0;
        }
        for (int t = 0; t < c.length; t++) {
            c[t] = (a * n * c[t] + m * xbar[t]) / w;
        }
        return w;
    }

    /**
     * Matches new centres to previous ones so ids stay stable: the permutation with the smallest
     * total distance (exhaustive for k ≤ 8, greedy beyond). Returns, for each new centre, the index
     * of the previous centre it continues.
     */
    public static int[] match(double[][] previous, double[][] next) {
        int k = next.length;
        if (k <= 8) {
            int[] best = new int[k];
            double[] bestCost = {Double.MAX_VALUE};
            permute(new int[k], new boolean[k], 0, previous, next, 0, best, bestCost);
            return best;
        }
        int[] out = new int[k];
        boolean[] taken = new boolean[k];
        List<double[]> pairs = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                pairs.add(new double[] {dist2(next[i], previous[j]), i, j});
            }
        }
        pairs.sort((x, y) -> Double.compare(x[0], y[0]));
        boolean[] done = new boolean[k];
        for (double[] p : pairs) {
            int i = (int) p[1];
            int j = (int) p[2];
            if (!done[i] && !taken[j]) {
                out[i] = j;
                done[i] = true;
                taken[j] = true;
            }
        }
        return out;
    }

    private static void permute(
            int[] perm,
            boolean[] used,
            int pos,
            double[][] prev,
            double[][] next,
            double cost,
            int[] best,
            double[] bestCost) {
        if (cost >= bestCost[0]) {
            return;
        }
        if (pos == perm.length) {
            bestCost[0] = cost;
            System.arraycopy(perm, 0, best, 0, perm.length);
            return;
        }
        for (int j = 0; j < perm.length; j++) {
            if (!used[j]) {
                used[j] = true;
                perm[pos] = j;
                permute(
                        perm,
                        used,
                        pos + 1,
                        prev,
                        next,
                        cost + dist2(next[pos], prev[j]),
                        best,
                        bestCost);
                used[j] = false;
            }
        }
    }
}
