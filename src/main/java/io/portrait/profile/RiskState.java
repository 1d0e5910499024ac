package io.portrait.profile;

import io.portrait.anomaly.RiskSignal;
import io.portrait.common.Wire;
import java.util.ArrayList;
import java.util.List;

/**
 * A user's risk in the user state (docs/anomaly.md#risk): a sum of alert weights (high 1, medium
 * 0.5, low 0.25), each halving every half-life of event time, as of {@code at}; {@code score = 1 −
 * e^(−sum)}. Order-independent: an alert older than {@code at} is added with its weight already
 * decayed.
 */
public class RiskState {
    static final long DAYS_30 = 30L * 86_400_000L;
    static final int KEEP = 100;

    /** Decayed weight sum as of {@link #at}. */
    public double weight;

    /** Event time of {@link #weight}. */
    public long at = Long.MIN_VALUE;

    /** Event times of the most recent alerts (at most 100), for {@code alerts_30d}. */
    public List<Long> alerts = new ArrayList<>();

    /** The score was at or above the threshold when last judged. */
    public boolean above;

    /** The score when last judged (the {@code from} of the next risk_crossed). */
    public double lastScore;

    public RiskState() {}

    public static double weightOf(String severity) {
        return switch (severity) {
            case "high" -> 1.0;
            case "medium" -> 0.5;
            default -> 0.25;
        };
    }

    public void add(RiskSignal s, long halfLifeMillis) {
        double w = weightOf(s.severity);
        if (at == Long.MIN_VALUE || s.ts >= at) {
            weight = (at == Long.MIN_VALUE ? 0 : decayed(s.ts, halfLifeMillis)) + w;
            at = s.ts;
        } else {
            weight += w * Math.pow(2, -(double) (at - s.ts) / halfLifeMillis);
        }
        alerts.add(s.ts);
        alerts.sort(null);
        long newest = alerts.get(alerts.size() - 1);
        alerts.removeIf(t -> t <= newest - DAYS_30);
        while (alerts.size() > KEEP) {
            alerts.remove(0);
        }
    }

    double decayed(long t, long halfLifeMillis) {
        return t <= at ? weight : weight * Math.pow(2, -(double) (t - at) / halfLifeMillis);
    }

    /** The score at event time {@code t}, in [0, 1). */
    public double score(long t, long halfLifeMillis) {
        return 1 - Math.exp(-decayed(t, halfLifeMillis));
    }

    /** Alerts in the 30 days up to {@code t}. */
    public int alerts30d(long t) {
        int n = 0;
        for (long a : alerts) {
            if (a > t - DAYS_30 && a <= t) {
                n++;
            }
        }
        return n;
    }

    /** Nothing left worth keeping at {@code t}. */
    public boolean spent(long t, long halfLifeMillis) {
        return alerts30d(t) == 0 && score(t, halfLifeMillis) < 0.001 && !above;
    }

    public void write(Wire.Out out) {
        out.f64(weight).svar(at).bool(above).f64(lastScore);
        out.uvar(alerts.size());
        for (long t : alerts) {
            out.svar(t);
        }
    }

    public static RiskState read(Wire.In in) {
        RiskState r = new RiskState();
        r.weight = in.f64();
        r.at = in.svar();
        r.above = in.bool();
        r.lastScore = in.f64();
        int n = in.uvarInt();
        for (int i = 0; i < n; i++) {
            r.alerts.add(in.svar());
        }
        return r;
    }
}
