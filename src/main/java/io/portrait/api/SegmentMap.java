package io.portrait.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.segment.FeatureVector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.stat.correlation.Covariance;

/**
 * The dashboard's 2-D map: a sample of users and the segment centroids, standardised with the
 * segment model's scaler and projected on the first two principal components of the sample (the
 * centroids too when the sample is small). A user's vector is rebuilt from their document the way
 * the job builds it from state ({@link FeatureVector}); the category entropy comes from the
 * document's top interests, so it can be slightly lower than the job's.
 */
final class SegmentMap {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SegmentMap() {}

    static ObjectNode of(JsonNode segments, List<JsonNode> profiles) {
        double[] mean = doubles(segments.path("scaler").path("mean"));
        double[] std = doubles(segments.path("scaler").path("std"));
        List<double[]> points = new ArrayList<>();
        for (JsonNode p : profiles) {
            points.add(standardize(vector(p), mean, std));
        }
        List<double[]> centroids = new ArrayList<>();
        for (JsonNode s : segments.path("segments")) {
            centroids.add(doubles(s.path("centroid")));
        }
        List<double[]> basis = new ArrayList<>(points);
        if (basis.size() < 2 * FeatureVector.D) {
            basis.addAll(centroids);
        }
        double[][] axes = axes(basis);

        ObjectNode out = JSON.createObjectNode();
        ArrayNode names = out.putArray("features");
        for (String n : FeatureVector.NAMES) {
            names.add(n);
        }
        out.put("model_version", segments.path("model_version").asText());
        ArrayNode ax = out.putArray("axes");
        for (double[] a : axes) {
            ArrayNode l = ax.addArray();
            for (double v : a) {
                l.add(round(v));
            }
        }
        ArrayNode ps = out.putArray("points");
        for (int i = 0; i < points.size(); i++) {
            ObjectNode n = ps.addObject();
            n.put("user_id", profiles.get(i).path("user_id").asText());
            JsonNode seg = profiles.get(i).path("segment").path("id");
            if (seg.isMissingNode()) {
                n.putNull("segment");
            } else {
                n.put("segment", seg.asInt());
            }
            n.put("x", round(dot(points.get(i), axes[0])));
            n.put("y", round(dot(points.get(i), axes[1])));
        }
        ArrayNode cs = out.putArray("centroids");
        Iterator<JsonNode> segs = segments.path("segments").iterator();
        for (double[] c : centroids) {
            JsonNode s = segs.next();
            ObjectNode n = cs.addObject();
            n.put("id", s.path("id").asInt());
            n.put("label", s.path("label").asText());
            n.put("size", s.path("size").asLong());
            n.put("x", round(dot(c, axes[0])));
            n.put("y", round(dot(c, axes[1])));
        }
        return out;
    }

    /** The feature vector of a profile document, in the job's original units. */
    static double[] vector(JsonNode doc) {
        JsonNode rfm = doc.path("rfm");
        double orders = rfm.path("orders").asDouble(0);
        double recency =
                rfm.path("last_purchase_at").isTextual()
                        ? Math.min(
                                FeatureVector.NO_PURCHASE_DAYS,
                                rfm.path("recency_days_at_last_event").asDouble(0))
                        : FeatureVector.NO_PURCHASE_DAYS;
        List<Double> interests = new ArrayList<>();
        doc.path("interests").forEach(v -> interests.add(v.asDouble()));
        return FeatureVector.of(
                orders,
                Math.max(0, rfm.path("monetary").asDouble(0)),
                recency,
                orders == 0 ? 0 : rfm.path("purchase_amount").asDouble(0) / orders,
                FeatureVector.entropy(
                        interests.stream().mapToDouble(Double::doubleValue).toArray()),
                doc.path("counts").path("total").asDouble(0));
    }

    /** The two leading principal axes of {@code rows} (unit vectors; fixed axes if degenerate). */
    static double[][] axes(List<double[]> rows) {
        int d = FeatureVector.D;
        double[][] fallback = new double[2][d];
        fallback[0][0] = 1;
        fallback[1][1] = 1;
        if (rows.size() < 3) {
            return fallback;
        }
        double[][] cov =
                new Covariance(rows.toArray(double[][]::new)).getCovarianceMatrix().getData();
        EigenDecomposition eig =
                new EigenDecomposition(
                        new org.apache.commons.math3.linear.Array2DRowRealMatrix(cov));
        double[] values = eig.getRealEigenvalues();
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double[][] axes = new double[2][];
        for (int k = 0; k < 2; k++) {
            axes[k] = eig.getEigenvector(order[k]).toArray();
            // A fixed sign, so the map does not flip between refreshes.
            int big = 0;
            for (int i = 1; i < d; i++) {
                if (Math.abs(axes[k][i]) > Math.abs(axes[k][big])) {
                    big = i;
                }
            }
            if (axes[k][big] < 0) {
                for (int i = 0; i < d; i++) {
                    axes[k][i] = -axes[k][i];
                }
            }
        }
        return axes;
    }

    static double[] standardize(double[] x, double[] mean, double[] std) {
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double s = i < std.length && std[i] > 0 ? std[i] : 1;
            z[i] = (x[i] - (i < mean.length ? mean[i] : 0)) / s;
        }
        return z;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
