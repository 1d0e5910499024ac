package io.portrait.testing;

import io.portrait.config.PortraitConfig;
import io.portrait.dedup.SeenIds;
import io.portrait.event.EventType;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.CoreModule;
import java.util.Random;

/** Realistic profile state for tests and benchmarks, built with the real modules. */
public final class TestProfiles {
    private TestProfiles() {}

    /**
     * The core features of one user after {@code events} random events (every type, a dozen
     * categories, orders and amounts): a realistic profile to encode or render.
     */
    public static CoreFeatures core(int events, long seed) {
        Random r = new Random(seed);
        CoreModule module = new CoreModule(PortraitConfig.defaults());
        CoreFeatures f = new CoreFeatures();
        SeenIds orders = new SeenIds();
        CoreModule.Counters none = CoreModule.Counters.NONE;
        long ts = 1_764_000_000_000L;
        for (int i = 0; i < events; i++) {
            ts += r.nextInt(3_600_000);
            EventType t = EventType.values()[r.nextInt(15)];
            f.version++;
            module.apply(
                    f,
                    orders,
                    TestEvents.at("u-" + 42, "e" + i, t, ts)
                            .category("category-" + r.nextInt(12))
                            .order(t == EventType.PURCHASE ? "o-" + i : null)
                            .amount(r.nextInt(10_000))
                            .device("mobile")
                            .tz("Europe/London")
                            .build(),
                    Long.MIN_VALUE,
                    none);
        }
        return f;
    }
}
