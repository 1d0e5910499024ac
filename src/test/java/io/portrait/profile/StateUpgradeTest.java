package io.portrait.profile;

import static io.portrait.testing.TestEvents.at;
import static io.portrait.testing.TestEvents.purchase;
import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.testing.Harnesses;
import java.util.List;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;

/**
 * State schema evolution: profile-core-v1.snapshot was taken by the first released profile core
 * (commit 0249f87: counts and RFM only). Today's CoreFeatures adds windows, interests, activity,
 * order-value sketch, demographics and a bot score; restoring the old state must keep every old
 * value, give the new groups working defaults, and keep remembering the old order ids — an upgrade
 * never needs a wipe.
 */
class StateUpgradeTest {

    static final long T0 = 1_764_000_000_000L;

    @Test
    void restoresTheFirstProfileStateVersion() throws Exception {
        var old =
                OperatorSnapshotUtil.readStateHandle(
                        "src/test/resources/savepoints/profile-core-v1.snapshot");
        try (var h =
                Harnesses.keyed(
                        new ProfileCoreFunction(PortraitConfig.defaults()),
                        Event::userId,
                        Harnesses.heap(),
                        old)) {
            h.processElement(purchase("u1", "d", T0 + 10, "o1", 100), T0); // a late line of o1
            h.processElement(
                    at("u1", "e", EventType.VIEW, T0 + 20)
                            .category("books")
                            .tz("Europe/London")
                            .build(),
                    T0);
            List<ProfilePart> out = h.extractOutputValues();
            CoreFeatures f = out.get(out.size() - 1).core;
            assertThat(f.version).as("continues from the old version").isEqualTo(4);
            assertThat(f.total).isEqualTo(4);
            assertThat(f.orders).as("o1 was remembered across the upgrade").isEqualTo(1);
            assertThat(f.purchaseMinor).isEqualTo(1_600);
            assertThat(f.lastPurchaseAt).isEqualTo(T0 + 10);
            assertThat(f.firstSeen).isEqualTo(T0);
            // New groups start from their defaults and work.
            assertThat(f.interests.top(2)).containsOnlyKeys("shoes", "books");
            assertThat(f.activity.sessions).isEqualTo(1);
            assertThat(f.windows.at(f.windows.events, 0, T0 + 20)).isGreaterThan(0);
            assertThat(f.orderValues.withOpenOrderClosed().count).isEqualTo(1);
            assertThat(f.demographics.isEmpty()).isTrue();

            h.processElement(purchase("u2", "f", T0 + 30, "o9", 50), T0);
            CoreFeatures u2 = h.extractOutputValues().get(h.extractOutputValues().size() - 1).core;
            assertThat(u2.version).isEqualTo(2);
            assertThat(u2.orders).isEqualTo(1);
            assertThat(u2.purchaseMinor).isEqualTo(300);
        }
    }
}
