package io.portrait.anomaly;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The CEP stage: the patterns of {@link Patterns} over the enriched events of each user (event
 * time), each match turned into an explainable {@link Alert} — the evidence event ids and the
 * values compared with their thresholds. Events behind the watermark cannot join a CEP match; they
 * go to a side output and are counted ({@code anomaly.late}).
 */
public final class Anomalies {
    static final ObjectMapper JSON = new ObjectMapper();
    public static final int RULE_VERSION = 1;

    private Anomalies() {}

    /**
     * The raw matches of the CEP patterns over the events the user operator sends them (already
     * only logins, refunds and unusual purchases), keyed by user; suppression and risk happen when
     * the user operator reads them back from {@code portrait.alerts.cep}.
     */
    public static DataStream<Alert> detect(
            KeyedStream<Enriched, String> events, PortraitConfig config) {
        PortraitConfig.Anomaly a = config.anomaly();
        Money money = config.money();
        DataStream<Alert> ato =
                run(
                        atoInput(events, a),
                        Patterns.accountTakeover(a),
                        Patterns.ACCOUNT_TAKEOVER,
                        "high",
                        new AccountTakeover(a, money));
        DataStream<Alert> refunds =
                run(
                        only(events, "refunds", EventType.REFUND),
                        Patterns.refundAbuse(a),
                        Patterns.REFUND_ABUSE,
                        "low",
                        new RefundAbuse(a));
        return ato.union(refunds);
    }

    /** Logins, failures, password changes and unusual purchases: what account_takeover reads. */
    static KeyedStream<Enriched, String> atoInput(
            KeyedStream<Enriched, String> events, PortraitConfig.Anomaly a) {
        return DataStreamUtils.reinterpretAsKeyedStream(
                events.filter(
                                e -> {
                                    EventType t = e.event().type();
                                    return t == EventType.LOGIN_FAILED
                                            || t == EventType.LOGIN
                                            || t == EventType.PASSWORD_CHANGE
                                            || Patterns.isUnusualPurchase(e, a);
                                })
                        .uid("anomaly-ato")
                        .name("Events for ato"),
                e -> e.event().userId());
    }

    /** The events of these types, still keyed by user. */
    static KeyedStream<Enriched, String> only(
            KeyedStream<Enriched, String> events, String name, EventType... types) {
        java.util.EnumSet<EventType> wanted = java.util.EnumSet.noneOf(EventType.class);
        java.util.Collections.addAll(wanted, types);
        return DataStreamUtils.reinterpretAsKeyedStream(
                events.filter(e -> wanted.contains(e.event().type()))
                        .uid("anomaly-" + name)
                        .name("Events for " + name),
                e -> e.event().userId());
    }

    /** Builds the details of one match. */
    interface Details extends java.io.Serializable {
        void fill(Map<String, List<Enriched>> match, ObjectNode details);
    }

    private static DataStream<Alert> run(
            KeyedStream<Enriched, String> events,
            Pattern<Enriched, Enriched> pattern,
            String rule,
            String severity,
            Details details) {
        OutputTag<Enriched> late =
                new OutputTag<>("late-" + rule, TypeInformation.of(Enriched.class));
        SingleOutputStreamOperator<Alert> out =
                CEP.pattern(events, pattern)
                        .sideOutputLateData(late)
                        .process(new ToAlert(rule, severity, details))
                        .uid("cep-" + rule)
                        .name("CEP " + rule);
        out.getSideOutput(late)
                .process(new CountLate(rule))
                .uid("cep-late-" + rule)
                .name("Late for " + rule)
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>())
                .uid("cep-late-sink-" + rule)
                .name("Late for " + rule + " (counted)");
        return out;
    }

    /** A match as an alert. */
    static final class ToAlert extends PatternProcessFunction<Enriched, Alert> {
        private final String rule;
        private final String severity;
        private final Details details;

        ToAlert(String rule, String severity, Details details) {
            this.rule = rule;
            this.severity = severity;
            this.details = details;
        }

        @Override
        public void processMatch(
                Map<String, List<Enriched>> match, Context ctx, Collector<Alert> out) {
            List<Enriched> all = new ArrayList<>();
            match.values().forEach(all::addAll);
            all.sort(java.util.Comparator.comparingLong(e -> e.event().ts()));
            Event last = all.get(all.size() - 1).event();
            ObjectNode d = JSON.createObjectNode();
            details.fill(match, d);
            out.collect(
                    Alert.of(
                            last.userId(),
                            rule,
                            RULE_VERSION,
                            severity,
                            last.ts(),
                            ctx.currentProcessingTime(),
                            Patterns.ids(all),
                            d.toString()));
        }
    }

    /** Counts the events a pattern could not use because they arrived behind the watermark. */
    static final class CountLate
            extends org.apache.flink.streaming.api.functions.ProcessFunction<Enriched, Enriched> {
        private final String rule;
        private transient Counter late;

        CountLate(String rule) {
            this.rule = rule;
        }

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            late = getRuntimeContext().getMetricGroup().addGroup("anomaly").counter("late_" + rule);
        }

        @Override
        public void processElement(Enriched e, Context ctx, Collector<Enriched> out) {
            late.inc();
        }
    }

    static double money(Money money, double minor) {
        return money.fromBaseMinor(Math.round(minor)).doubleValue();
    }

    record AccountTakeover(PortraitConfig.Anomaly a, Money money) implements Details {
        @Override
        public void fill(Map<String, List<Enriched>> m, ObjectNode d) {
            Enriched t = m.get("takeover").get(0);
            d.put("failed_logins", m.get("failed").size());
            d.put("min_failed_logins", a.atoFailedLogins());
            d.put("window_s", a.atoWindow().toSeconds());
            if (t.event().type() == EventType.PASSWORD_CHANGE) {
                d.put("trigger", "password_change");
            } else {
                d.put("trigger", "purchase");
                d.put("amount", Anomalies.money(money, t.event().amountMinorOrZero()));
                d.put("median_order", Anomalies.money(money, t.medianOrderMinor()));
                d.put("amount_factor", a.atoAmountFactor());
            }
        }
    }

    record RefundAbuse(PortraitConfig.Anomaly a) implements Details {
        @Override
        public void fill(Map<String, List<Enriched>> m, ObjectNode d) {
            d.put("refunds", m.get("refunds").size());
            d.put("min_refunds", a.refundAbuseRefunds());
            d.put("window_s", a.refundAbuseWindow().toSeconds());
        }
    }
}
