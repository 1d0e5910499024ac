package io.portrait.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.Ingested;
import java.nio.charset.StandardCharsets;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class RouteDeadLettersTest {

    @Test
    void eventsGoOnDeadLettersGoToTheSideOutput() throws Exception {
        EventParser parser = new EventParser(PortraitConfig.defaults());
        long now = 1_764_000_000_000L;
        EventParser.Source src = new EventParser.Source("t", 0, 1);
        Ingested good =
                parser.parse(
                        null,
                        bytes(
                                "{\"event_id\":\"e\",\"user_id\":\"u\",\"type\":\"view\",\"ts\":"
                                        + (now - 1)
                                        + "}"),
                        src,
                        now);
        Ingested bad = parser.parse(null, bytes("{\"event_id\":\"e\""), src, now);

        try (var h = ProcessFunctionTestHarnesses.forProcessFunction(new RouteDeadLetters())) {
            h.processElement(good, now - 1);
            h.processElement(bad, Long.MIN_VALUE);

            assertThat(h.extractOutputValues()).extracting(Event::eventId).containsExactly("e");
            assertThat(h.getSideOutput(RouteDeadLetters.DEAD_LETTERS))
                    .extracting(StreamRecord::getValue)
                    .extracting(d -> d.reason())
                    .containsExactly("truncated_json");
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
