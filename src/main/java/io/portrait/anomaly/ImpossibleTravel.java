package io.portrait.anomaly;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * {@code impossible_travel}: each located event against the user's previous located event (in event
 * time) — farther than the minimum distance at a speed above the bound. A pair is a fixed two-step
 * comparison, so one value of state per user instead of a CEP operator, whose event-time buffers
 * cost RocksDB iterator seeks on every watermark for every user with located traffic (most users:
 * measured, BENCHMARKS.md). Out-of-order events are compared with the latest one seen.
 */
public final class ImpossibleTravel extends KeyedProcessFunction<String, Enriched, Alert> {
    private final PortraitConfig.Anomaly settings;
    private transient ValueState<LastPlace> last;

    /** The user's previous located event. */
    public static class LastPlace {
        public String eventId;
        public long ts;
        public double lat;
        public double lon;
        public String country;

        public LastPlace() {}
    }

    public ImpossibleTravel(PortraitConfig config) {
        this.settings = config.anomaly();
    }

    @Override
    public void open(OpenContext ctx) {
        last =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("last-place", LastPlace.class));
    }

    @Override
    public void processElement(Enriched in, Context ctx, Collector<Alert> out) throws Exception {
        Event e = in.event();
        if (e.lat() == null || e.lon() == null) {
            return;
        }
        LastPlace p = last.value();
        if (p != null) {
            double km = Patterns.km(p.lat, p.lon, e.lat(), e.lon());
            double hours = Math.abs(e.ts() - p.ts) / 3_600_000.0;
            if (km >= settings.travelMinKm()
                    && (hours == 0 || km / hours > settings.travelMaxKmh())) {
                ObjectNode d = Anomalies.JSON.createObjectNode();
                d.put("km", Math.round(km));
                d.put("hours", Math.round(hours * 1000) / 1000.0);
                if (hours > 0) {
                    d.put("kmh", Math.round(km / hours));
                } else {
                    d.putNull("kmh");
                }
                d.put("max_kmh", settings.travelMaxKmh());
                d.put("from_country", p.country);
                d.put("to_country", e.country());
                out.collect(
                        Alert.of(
                                e.userId(),
                                Patterns.IMPOSSIBLE_TRAVEL,
                                Anomalies.RULE_VERSION,
                                "medium",
                                Math.max(e.ts(), p.ts),
                                ctx.timerService().currentProcessingTime(),
                                new String[] {p.eventId, e.eventId()},
                                d.toString()));
            }
        }
        if (p == null || e.ts() >= p.ts) {
            LastPlace n = new LastPlace();
            n.eventId = e.eventId();
            n.ts = e.ts();
            n.lat = e.lat();
            n.lon = e.lon();
            n.country = e.country();
            last.update(n);
        }
    }
}
