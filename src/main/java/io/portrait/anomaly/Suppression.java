package io.portrait.anomaly;

import io.portrait.common.Hashing;
import io.portrait.common.Wire;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alert suppression and read-back de-duplication of one user. After an alert, others of the same
 * rule within the suppression window (event time, either side) are dropped; an entry goes once the
 * watermark has passed its window. Alerts read back from {@code portrait.alerts.cep} (an external
 * loop, at least once) are recognised by their {@code alert_id} in a small ring of recent ids.
 */
public final class Suppression {
    /** Recent alert ids remembered for read-back de-duplication. */
    public static final int RECENT_IDS = 16;

    private final TreeMap<String, Long> last = new TreeMap<>();
    private long[] recent = new long[0];
    private int next;

    public boolean isEmpty() {
        return last.isEmpty() && recent.length == 0;
    }

    /** Whether this alert id was seen already; remembers it if not. */
    public boolean seen(String alertId) {
        long h = Hashing.hash64(alertId);
        for (long r : recent) {
            if (r == h) {
                return true;
            }
        }
        if (recent.length < RECENT_IDS) {
            recent = java.util.Arrays.copyOf(recent, recent.length + 1);
            recent[recent.length - 1] = h;
        } else {
            recent[next] = h;
            next = (next + 1) % RECENT_IDS;
        }
        return false;
    }

    /**
     * Whether the alert passes: no alert of its rule within the window of it. Entries whose window
     * the watermark has passed are forgotten first.
     */
    public boolean admit(Alert a, long windowMillis, long watermark) {
        for (Iterator<Map.Entry<String, Long>> it = last.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue() + windowMillis <= watermark) {
                it.remove();
            }
        }
        Long previous = last.get(a.rule());
        if (previous != null && Math.abs(a.ts() - previous) < windowMillis) {
            return false;
        }
        last.put(a.rule(), a.ts());
        return true;
    }

    public void write(Wire.Out out) {
        out.uvar(last.size());
        for (Map.Entry<String, Long> e : last.entrySet()) {
            out.str(e.getKey()).svar(e.getValue());
        }
        out.uvar(recent.length).uvar(next);
        for (long r : recent) {
            out.fixed64(r);
        }
    }

    public static Suppression read(Wire.In in) {
        Suppression s = new Suppression();
        int n = in.uvarInt();
        for (int i = 0; i < n; i++) {
            s.last.put(in.str(), in.svar());
        }
        int r = in.uvarInt();
        s.next = in.uvarInt();
        s.recent = new long[r];
        for (int i = 0; i < r; i++) {
            s.recent[i] = in.fixed64();
        }
        return s;
    }
}
