package io.portrait.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A published segmentation model: the frozen scaler (mean, std of the raw feature vectors) and k
 * centroids in standardised units, with stable segment ids, labels and sizes, and the user-hash
 * bound of the aggregator's sample (assigners send the vectors of users below it). Travels as the
 * payload of control records {@code centroids:segments}; {@link #fromJson} validates it.
 */
public record SegmentModel(
        long version,
        int vectorVersion,
        double[] mean,
        double[] std,
        double[][] centroids,
        int[] ids,
        String[] labels,
        long[] sizes,
        long sampleBelow)
        implements Serializable {

    public static final String CONTROL_ID = "segments";
    private static final ObjectMapper JSON = new ObjectMapper();

    public double[] standardize(double[] raw) {
        double[] z = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
            z[i] = (raw[i] - mean[i]) / std[i];
        }
        return z;
    }

    /** A centroid in original (raw feature) units. */
    public double[] original(int index) {
        double[] x = new double[mean.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = centroids[index][i] * std[i] + mean[i];
        }
        return x;
    }

    public int indexOf(int segmentId) {
        for (int j = 0; j < ids.length; j++) {
            if (ids[j] == segmentId) {
                return j;
            }
        }
        return -1;
    }

    /**
     * A human label from a standardised centroid: the two strongest of value, recency, frequency,
     * activity and breadth of interests, e.g. "high value, recent".
     */
    public static String label(double[] z) {
        String[][] words = {
            {"frequent", "occasional"},
            {"high value", "low value"},
            {"lapsed", "recent"},
            {"big baskets", "small baskets"},
            {"broad interests", "focused"},
            {"very active", "quiet"}
        };
        List<int[]> strong = new ArrayList<>();
        for (int i = 0; i < z.length && i < words.length; i++) {
            if (Math.abs(z[i]) >= 0.5) {
                strong.add(new int[] {i, (int) Math.round(Math.abs(z[i]) * 1000)});
            }
        }
        strong.sort((a, b) -> Integer.compare(b[1], a[1]));
        if (strong.isEmpty()) {
            return "typical";
        }
        StringBuilder s = new StringBuilder();
        for (int n = 0; n < Math.min(2, strong.size()); n++) {
            int i = strong.get(n)[0];
            if (n > 0) {
                s.append(", ");
            }
            s.append(z[i] > 0 ? words[i][0] : words[i][1]);
        }
        return s.toString();
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("vector_version", vectorVersion);
        ArrayNode names = o.putArray("features");
        for (String n : FeatureVector.NAMES) {
            names.add(n);
        }
        o.put("sample_below", Long.toUnsignedString(sampleBelow));
        ObjectNode scaler = o.putObject("scaler");
        ArrayNode m = scaler.putArray("mean");
        ArrayNode s = scaler.putArray("std");
        for (int i = 0; i < mean.length; i++) {
            m.add(mean[i]);
            s.add(std[i]);
        }
        ArrayNode segments = o.putArray("segments");
        for (int j = 0; j < centroids.length; j++) {
            ObjectNode seg = segments.addObject();
            seg.put("id", ids[j]);
            seg.put("label", labels[j]);
            seg.put("size", sizes[j]);
            ArrayNode c = seg.putArray("centroid");
            for (double v : centroids[j]) {
                c.add(v);
            }
            ArrayNode raw = seg.putArray("centroid_original");
            for (double v : original(j)) {
                raw.add(Math.round(v * 1000) / 1000.0);
            }
        }
        return o.toString();
    }

    /** Parses and validates a payload; throws IllegalArgumentException saying what is wrong. */
    public static SegmentModel fromJson(long version, String payload) {
        JsonNode o;
        try {
            o = JSON.readTree(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int vv = o.path("vector_version").asInt(-1);
        if (vv != FeatureVector.VERSION) {
            throw new IllegalArgumentException(
                    "centroids payload has vector_version "
                            + vv
                            + "; this job computes "
                            + FeatureVector.VERSION);
        }
        double[] mean = doubles(o.path("scaler").path("mean"), FeatureVector.D, "scaler.mean");
        double[] std = doubles(o.path("scaler").path("std"), FeatureVector.D, "scaler.std");
        for (double v : std) {
            if (!(v > 0)) {
                throw new IllegalArgumentException("scaler.std must be positive");
            }
        }
        JsonNode segs = o.path("segments");
        if (!segs.isArray() || segs.isEmpty()) {
            throw new IllegalArgumentException(
                    "centroids payload needs a non-empty segments array");
        }
        int k = segs.size();
        double[][] c = new double[k][];
        int[] ids = new int[k];
        String[] labels = new String[k];
        long[] sizes = new long[k];
        for (int j = 0; j < k; j++) {
            JsonNode seg = segs.get(j);
            c[j] = doubles(seg.path("centroid"), FeatureVector.D, "segments[" + j + "].centroid");
            if (!seg.path("id").isInt()) {
                throw new IllegalArgumentException("segments[" + j + "].id must be an integer");
            }
            ids[j] = seg.get("id").asInt();
            labels[j] = seg.path("label").asText("");
            sizes[j] = seg.path("size").asLong(0);
        }
        long sampleBelow;
        try {
            sampleBelow =
                    Long.parseUnsignedLong(o.path("sample_below").asText("18446744073709551615"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sample_below must be an unsigned 64-bit integer");
        }
        return new SegmentModel(version, vv, mean, std, c, ids, labels, sizes, sampleBelow);
    }

    private static double[] doubles(JsonNode n, int d, String what) {
        if (!n.isArray() || n.size() != d) {
            throw new IllegalArgumentException(what + " must be an array of " + d + " numbers");
        }
        double[] out = new double[d];
        for (int i = 0; i < d; i++) {
            if (!n.get(i).isNumber() || !Double.isFinite(n.get(i).asDouble())) {
                throw new IllegalArgumentException(what + " must hold finite numbers");
            }
            out[i] = n.get(i).asDouble();
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT, "SegmentModel{version=%d, k=%d}", version, centroids.length);
    }
}
