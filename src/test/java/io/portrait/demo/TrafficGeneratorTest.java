package io.portrait.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Ingested;
import io.portrait.ingest.EventParser;
import io.portrait.ingest.RejectReason;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {

    static final long T0 = 1_764_000_000_000L;

    @Test
    void everyRecordParsesAsItsKindSays() {
        AtomicLong clock = new AtomicLong(T0);
        TrafficGenerator gen = new TrafficGenerator(7, 300, () -> clock.addAndGet(100), 0.05, 0.05);
        EventParser parser = new EventParser(PortraitConfig.defaults());
        Set<RejectReason> seenReasons = EnumSet.noneOf(RejectReason.class);
        Set<String> validIds = new HashSet<>();
        int duplicates = 0;
        for (int i = 0; i < 20_000; i++) {
            TrafficGenerator.Record r = gen.next();
            Ingested in = parser.parse(r.key(), r.value(), null, clock.get() + 1000);
            switch (r.kind()) {
                case VALID -> {
                    assertThat(in.isEvent()).as(new String(r.value())).isTrue();
                    assertThat(in.event().userId()).isEqualTo(r.userId());
                    assertThat(validIds.add(in.event().eventId()))
                            .as("valid ids are unique")
                            .isTrue();
                }
                case DUPLICATE -> {
                    duplicates++;
                    assertThat(validIds).contains(in.event().eventId());
                }
                case MALFORMED -> {
                    assertThat(in.isEvent()).isFalse();
                    assertThat(in.deadLetter().reason()).isEqualTo(r.reason().code());
                    seenReasons.add(r.reason());
                }
            }
        }
        assertThat(duplicates).isBetween(700, 1300);
        assertThat(seenReasons).hasSizeGreaterThanOrEqualTo(14);
    }

    @Test
    void isDeterministicForASeed() {
        AtomicLong c1 = new AtomicLong(T0);
        AtomicLong c2 = new AtomicLong(T0);
        TrafficGenerator a = new TrafficGenerator(3, 50, () -> c1.addAndGet(10), 0.01, 0.02);
        TrafficGenerator b = new TrafficGenerator(3, 50, () -> c2.addAndGet(10), 0.01, 0.02);
        for (int i = 0; i < 1000; i++) {
            assertThat(Arrays.equals(a.next().value(), b.next().value())).isTrue();
        }
    }
}
