package io.portrait.profile;

import static io.portrait.testing.TestEvents.event;
import static io.portrait.testing.TestEvents.purchase;
import static io.portrait.testing.TestEvents.refund;
import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.common.Wire;
import io.portrait.config.PortraitConfig;
import io.portrait.dedup.SeenIds;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.testing.TestEvents;
import io.portrait.testing.TestProfiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The profile core module on its own, and its codec. */
class CoreModuleTest {
    static final long T0 = 1_764_000_000_000L;
    static final PortraitConfig CONFIG =
            PortraitConfig.defaults().with(Map.of("portrait.dedup.horizon", "2 h"));

    final List<String> rejected = new ArrayList<>();
    int late;
    final CoreModule.Counters counters =
            new CoreModule.Counters() {
                @Override
                public void late() {
                    late++;
                }

                @Override
                public void rejected(String reason) {
                    rejected.add(reason);
                }
            };

    CoreFeatures apply(long watermark, Event... events) {
        CoreModule m = new CoreModule(CONFIG);
        CoreFeatures f = new CoreFeatures();
        SeenIds orders = new SeenIds();
        for (Event e : events) {
            f.version++;
            m.apply(f, orders, e, watermark, counters);
        }
        return f;
    }

    @Test
    void countsEventsAndKeepsMoneyExact() {
        CoreFeatures f =
                apply(
                        Long.MIN_VALUE,
                        event("u1", "a", EventType.VIEW, T0 + 5),
                        purchase("u1", "b", T0 + 10, "o1", 1_010),
                        purchase("u1", "c", T0 + 11, "o1", 2_020), // second line of o1
                        purchase("u1", "d", T0 + 20, null, 30), // its own order
                        refund("u1", "e", T0 + 30, 1_010),
                        event("u1", "f", EventType.VIEW, T0 + 1)); // older than last_seen
        assertThat(f.version).isEqualTo(6);
        assertThat(f.total).isEqualTo(6);
        assertThat(f.count(EventType.VIEW)).isEqualTo(2);
        assertThat(f.count(EventType.PURCHASE)).isEqualTo(3);
        assertThat(f.orders).as("o1 has two lines but is one order").isEqualTo(2);
        assertThat(f.purchaseMinor).isEqualTo(3_060);
        assertThat(f.refundMinor).isEqualTo(1_010);
        assertThat(f.lastPurchaseAt).isEqualTo(T0 + 20);
        assertThat(f.firstSeen).isEqualTo(T0 + 1);
        assertThat(f.lastSeen).isEqualTo(T0 + 30);
    }

    @Test
    void lateEventsAreAppliedAndCounted() {
        CoreFeatures f =
                apply(
                        T0 + 1000,
                        event("u1", "a", EventType.VIEW, T0 + 999),
                        event("u1", "b", EventType.VIEW, T0 + 1000));
        assertThat(f.late).isEqualTo(1);
        assertThat(late).isEqualTo(1);
        assertThat(f.total).isEqualTo(2);
    }

    @Test
    void invalidDemographicsAreRejectedAndCounted() {
        CoreFeatures f =
                apply(
                        Long.MIN_VALUE,
                        TestEvents.at("u1", "a", EventType.PROFILE_UPDATE, T0)
                                .attrs(34, "f")
                                .build(),
                        TestEvents.at("u1", "b", EventType.PROFILE_UPDATE, T0 + 1)
                                .attrs(-3, "?")
                                .build());
        assertThat(f.demographics.ageBand).isEqualTo("25-34");
        assertThat(f.demographics.gender).isEqualTo("f");
        assertThat(rejected).containsExactly("invalid_age", "invalid_gender");
    }

    @Test
    void theCodecRoundTripsEveryField() {
        for (int seed = 0; seed < 50; seed++) {
            CoreFeatures f = TestProfiles.core(1 + seed * 7, seed);
            f.demographics.country = seed % 2 == 0 ? "GB" : null;
            f.erased = seed % 5 == 0;
            Wire.Out out = new Wire.Out(64);
            CoreFeaturesCodec.write(f, out);
            CoreFeatures back = CoreFeaturesCodec.read(new Wire.In(out.toByteArray()));
            assertThat(back).usingRecursiveComparison().isEqualTo(f);
        }
    }
}
