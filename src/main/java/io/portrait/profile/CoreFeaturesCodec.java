package io.portrait.profile;

import io.portrait.common.Wire;
import io.portrait.profile.feature.Activity;
import io.portrait.profile.feature.DecayedWindows;
import io.portrait.profile.feature.Demographics;
import io.portrait.profile.feature.Interests;
import io.portrait.profile.feature.OrderValues;

/**
 * The binary form of {@link CoreFeatures} inside the user state. Times are signed varints, counts
 * unsigned varints, the hour-of-week rhythm is sparse (most of its 168 cells are zero). The field
 * order is the format: a change is a new format version of the user state (UserStateCodec).
 */
public final class CoreFeaturesCodec {
    private CoreFeaturesCodec() {}

    public static void write(CoreFeatures f, Wire.Out out) {
        out.uvar(f.version);
        out.uvar(f.total);
        out.svar(f.firstSeen);
        out.svar(f.lastSeen);
        out.uvar(f.typeCounts.length);
        for (long c : f.typeCounts) {
            out.uvar(c);
        }
        out.uvar(f.late);
        out.uvar(f.botSuspected);
        out.f64(f.botScore);
        out.bool(f.lastPurchaseAt != null);
        if (f.lastPurchaseAt != null) {
            out.svar(f.lastPurchaseAt);
        }
        out.uvar(f.orders);
        out.svar(f.purchaseMinor);
        out.svar(f.refundMinor);
        windows(f.windows, out);
        interests(f.interests, out);
        activity(f.activity, out);
        orderValues(f.orderValues, out);
        Demographics d = f.demographics;
        out.str(d.ageBand).str(d.gender).str(d.country);
        out.bool(f.erased);
    }

    public static CoreFeatures read(Wire.In in) {
        CoreFeatures f = new CoreFeatures();
        f.version = in.uvar();
        f.total = in.uvar();
        f.firstSeen = in.svar();
        f.lastSeen = in.svar();
        int slots = in.uvarInt();
        f.typeCounts = new long[Math.max(slots, f.typeCounts.length)];
        for (int i = 0; i < slots; i++) {
            f.typeCounts[i] = in.uvar();
        }
        f.late = in.uvar();
        f.botSuspected = in.uvar();
        f.botScore = in.f64();
        f.lastPurchaseAt = in.bool() ? in.svar() : null;
        f.orders = in.uvar();
        f.purchaseMinor = in.svar();
        f.refundMinor = in.svar();
        f.windows = readWindows(in);
        f.interests = readInterests(in);
        f.activity = readActivity(in);
        f.orderValues = readOrderValues(in);
        f.demographics.ageBand = in.str();
        f.demographics.gender = in.str();
        f.demographics.country = in.str();
        f.erased = in.bool();
        return f;
    }

    private static void windows(DecayedWindows w, Wire.Out out) {
        for (int i = 0; i < 3; i++) {
            out.f64(w.events[i]).f64(w.purchases[i]).f64(w.spendMinor[i]);
        }
        out.svar(w.refTs);
    }

    private static DecayedWindows readWindows(Wire.In in) {
        DecayedWindows w = new DecayedWindows();
        for (int i = 0; i < 3; i++) {
            w.events[i] = in.f64();
            w.purchases[i] = in.f64();
            w.spendMinor[i] = in.f64();
        }
        w.refTs = in.svar();
        return w;
    }

    private static void interests(Interests s, Wire.Out out) {
        out.uvar(s.categories.length);
        for (int i = 0; i < s.categories.length; i++) {
            out.str(s.categories[i]).f64(s.scores[i]);
        }
        out.svar(s.refTs);
    }

    private static Interests readInterests(Wire.In in) {
        Interests s = new Interests();
        int n = in.uvarInt();
        s.categories = new String[n];
        s.scores = new double[n];
        for (int i = 0; i < n; i++) {
            s.categories[i] = in.str();
            s.scores[i] = in.f64();
        }
        s.refTs = in.svar();
        return s;
    }

    private static void activity(Activity a, Wire.Out out) {
        int cells = 0;
        for (short v : a.hourOfWeek) {
            if (v != 0) {
                cells++;
            }
        }
        out.uvar(cells);
        for (int i = 0; i < a.hourOfWeek.length; i++) {
            if (a.hourOfWeek[i] != 0) {
                out.uvar(i).uvar(a.hourOfWeek[i] & 0xFFFF);
            }
        }
        out.str(a.tz);
        out.uvar(a.sessions);
        out.svar(a.sessionStart).svar(a.sessionLast);
        out.byte1((a.sessionBrowsed ? 1 : 0) | (a.sessionConverted ? 2 : 0));
        out.uvar(a.gapCount).f64(a.gapMean).f64(a.gapM2);
        out.uvar(a.devices.length);
        for (long d : a.devices) {
            out.uvar(d);
        }
        out.str(a.lastCountry);
        out.uvar(a.trials).uvar(a.successes);
    }

    private static Activity readActivity(Wire.In in) {
        Activity a = new Activity();
        int cells = in.uvarInt();
        for (int i = 0; i < cells; i++) {
            int cell = in.uvarInt();
            if (cell >= a.hourOfWeek.length) {
                throw new IllegalStateException("hour-of-week cell out of range: " + cell);
            }
            a.hourOfWeek[cell] = (short) in.uvar();
        }
        a.tz = in.str();
        a.sessions = in.uvar();
        a.sessionStart = in.svar();
        a.sessionLast = in.svar();
        int flags = in.byte1();
        a.sessionBrowsed = (flags & 1) != 0;
        a.sessionConverted = (flags & 2) != 0;
        a.gapCount = in.uvar();
        a.gapMean = in.f64();
        a.gapM2 = in.f64();
        int devices = in.uvarInt();
        a.devices = new long[Math.max(devices, a.devices.length)];
        for (int i = 0; i < devices; i++) {
            a.devices[i] = in.uvar();
        }
        a.lastCountry = in.str();
        a.trials = in.uvar();
        a.successes = in.uvar();
        return a;
    }

    private static void orderValues(OrderValues o, Wire.Out out) {
        out.uvar(o.count).f64(o.mean).f64(o.m2);
        out.bytes(o.digest);
        out.bool(o.open);
        if (o.open) {
            out.fixed64(o.openOrder).svar(o.openMinor).svar(o.openTs);
        }
    }

    private static OrderValues readOrderValues(Wire.In in) {
        OrderValues o = new OrderValues();
        o.count = in.uvar();
        o.mean = in.f64();
        o.m2 = in.f64();
        byte[] digest = in.bytes();
        o.digest = digest == null ? new byte[0] : digest;
        o.open = in.bool();
        if (o.open) {
            o.openOrder = in.fixed64();
            o.openMinor = in.svar();
            o.openTs = in.svar();
        }
        return o;
    }
}
