package io.portrait.predict;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a model says about itself in its ONNX metadata_props: the encoding it expects, its shape,
 * the horizons its binary heads were trained for, and a name. The job refuses a model whose
 * encoding or shape it cannot feed.
 *
 * @param name model name, e.g. {@code next-action-v1}
 * @param purchaseWithin the purchase-soon head: a purchase within this many next events
 * @param churnHorizon the churn head: no event for this long
 */
public record ModelInfo(
        String name,
        String encoding,
        int features,
        int hidden,
        int classes,
        int purchaseWithin,
        Duration churnHorizon) {

    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("portrait.name", name);
        m.put("portrait.encoding", encoding);
        m.put("portrait.features", Integer.toString(features));
        m.put("portrait.hidden", Integer.toString(hidden));
        m.put("portrait.classes", Integer.toString(classes));
        m.put("portrait.purchase_within_events", Integer.toString(purchaseWithin));
        m.put("portrait.churn_horizon", churnHorizon.toString());
        return m;
    }

    public static ModelInfo of(Map<String, String> m) {
        try {
            if (!OnnxExport.GRAPH.equals(m.get("portrait.graph"))) {
                throw new IllegalArgumentException(
                        "graph version "
                                + m.get("portrait.graph")
                                + " (portrait.graph); this build runs graph "
                                + OnnxExport.GRAPH
                                + ": export the model again with portrait train");
            }
            ModelInfo info =
                    new ModelInfo(
                            m.getOrDefault("portrait.name", "unnamed"),
                            require(m, "portrait.encoding"),
                            Integer.parseInt(require(m, "portrait.features")),
                            Integer.parseInt(require(m, "portrait.hidden")),
                            Integer.parseInt(require(m, "portrait.classes")),
                            Integer.parseInt(require(m, "portrait.purchase_within_events")),
                            Duration.parse(require(m, "portrait.churn_horizon")));
            if (!Encoding.VERSION.equals(info.encoding)
                    || info.features != Encoding.FEATURES
                    || info.classes != Encoding.CLASSES) {
                throw new IllegalArgumentException(
                        "model expects encoding "
                                + info.encoding
                                + " with "
                                + info.features
                                + " features and "
                                + info.classes
                                + " classes; this build feeds "
                                + Encoding.VERSION
                                + " with "
                                + Encoding.FEATURES
                                + " and "
                                + Encoding.CLASSES);
            }
            return info;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad portrait model metadata: " + e.getMessage(), e);
        }
    }

    private static String require(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }
}
