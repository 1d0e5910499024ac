package io.portrait.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The readable form of a profile document for {@code portrait profile get}: one line per group. */
final class ProfileText {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

    private ProfileText() {}

    static String render(String doc) {
        JsonNode p;
        try {
            p = JSON.readTree(doc);
        } catch (IOException e) {
            throw new UncheckedIOException("the stored profile is not JSON", e);
        }
        StringBuilder b = new StringBuilder();
        if (p.path("erased").asBoolean(false)) {
            return b.append("erased (version ")
                    .append(p.path("version").asLong())
                    .append("): the user asked to be forgotten\n")
                    .toString();
        }
        b.append(p.path("user_id").asText())
                .append("  (version ")
                .append(p.path("version").asLong())
                .append(", updated ")
                .append(p.path("updated_at").asText())
                .append(")\n");
        JsonNode counts = p.path("counts");
        List<String> types = new ArrayList<>();
        counts.fields()
                .forEachRemaining(
                        e -> {
                            if (!e.getKey().equals("total") && e.getValue().asLong() > 0) {
                                types.add(e.getKey() + " " + e.getValue().asLong());
                            }
                        });
        line(
                b,
                "seen",
                p.path("first_seen").asText()
                        + " → "
                        + p.path("last_seen").asText()
                        + " · "
                        + counts.path("total").asLong()
                        + " events ("
                        + String.join(", ", types)
                        + ")");
        JsonNode rfm = p.path("rfm");
        line(
                b,
                "rfm",
                (rfm.path("recency_days").isNull()
                                ? "no purchase"
                                : "last purchase " + num(rfm.path("recency_days")) + " d ago")
                        + " · "
                        + rfm.path("orders").asLong()
                        + " orders · monetary "
                        + num(rfm.path("monetary"))
                        + " "
                        + rfm.path("currency").asText()
                        + " · avg order "
                        + num(rfm.path("avg_order_value")));
        StringBuilder interests = new StringBuilder();
        p.path("interests")
                .fields()
                .forEachRemaining(
                        e ->
                                interests
                                        .append(e.getKey())
                                        .append(' ')
                                        .append(num(e.getValue()))
                                        .append(' ')
                                        .append(
                                                "█"
                                                        .repeat(
                                                                (int)
                                                                        Math.round(
                                                                                e.getValue()
                                                                                                .asDouble()
                                                                                        * 10)))
                                        .append("  "));
        line(b, "interests", interests.length() == 0 ? "none yet" : interests.toString().trim());
        JsonNode act = p.path("activity");
        int peak = act.path("peak_hour_of_week").asInt(-1);
        line(
                b,
                "activity",
                act.path("sessions").asLong()
                        + " sessions"
                        + (peak < 0
                                ? ""
                                : " · peak "
                                        + DAYS[peak / 24]
                                        + String.format(Locale.ROOT, " %02d:00", peak % 24))
                        + " · device "
                        + text(act.path("preferred_device"))
                        + " · tz "
                        + act.path("tz").asText());
        JsonNode conv = p.path("propensity").path("conversion");
        line(
                b,
                "propensity",
                "conversion "
                        + num(conv.path("mean"))
                        + " (90 % "
                        + num(conv.path("ci90").path(0))
                        + "–"
                        + num(conv.path("ci90").path(1))
                        + ")");
        JsonNode seg = p.path("segment");
        if (!seg.isMissingNode()) {
            line(
                    b,
                    "segment",
                    seg.path("id").isNull()
                            ? "not assigned yet"
                            : seg.path("id").asInt()
                                    + " · "
                                    + seg.path("label").asText()
                                    + " (distance "
                                    + num(seg.path("distance"))
                                    + ", model "
                                    + seg.path("model_version").asText()
                                    + ")");
        }
        JsonNode pred = p.path("predictions");
        if (!pred.isMissingNode()) {
            StringBuilder next = new StringBuilder();
            pred.path("next_action")
                    .fields()
                    .forEachRemaining(
                            e -> {
                                if (next.length() < 60) {
                                    next.append(next.length() == 0 ? "" : ", ")
                                            .append(e.getKey())
                                            .append(' ')
                                            .append(num(e.getValue()));
                                }
                            });
            line(
                    b,
                    "predictions",
                    "next: "
                            + next
                            + " · purchase soon "
                            + num(pred.path("purchase_soon"))
                            + " · churn "
                            + num(pred.path("churn_risk"))
                            + " (model "
                            + pred.path("model_version").asText()
                            + ")");
        }
        JsonNode recs = p.path("recommendations").path("items");
        if (recs.size() > 0) {
            StringBuilder r = new StringBuilder();
            for (int i = 0; i < Math.min(5, recs.size()); i++) {
                JsonNode x = recs.get(i);
                r.append(i == 0 ? "" : ", ")
                        .append(x.path("item_id").asText())
                        .append(" (")
                        .append(x.path("because").path("action").asText("touched"))
                        .append(" ")
                        .append(x.path("because").path("item_id").asText())
                        .append(")");
            }
            line(b, "recommended", r + (recs.size() > 5 ? " …" : ""));
        }
        JsonNode risk = p.path("risk");
        line(
                b,
                "risk",
                "score "
                        + num(risk.path("score"))
                        + " · "
                        + risk.path("alerts_30d").asInt()
                        + " alerts in 30 d · bot "
                        + num(risk.path("bot_score")));
        JsonNode demo = p.path("demographics");
        line(
                b,
                "demographics",
                text(demo.path("age_band"))
                        + " · "
                        + text(demo.path("gender"))
                        + " · "
                        + text(demo.path("country")));
        return b.toString();
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(String.format(Locale.ROOT, "  %-12s %s%n", label, value));
    }

    private static String num(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) {
            return "–";
        }
        double v = n.asDouble();
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
    }

    private static String text(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() ? "–" : n.asText();
    }
}
