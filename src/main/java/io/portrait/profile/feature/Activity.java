package io.portrait.profile.feature;

import io.portrait.event.EventType;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * When and how a user is active: an hour-of-week rhythm in the user's zone (a short[168] that is
 * halved when a cell saturates, so it also forgets slowly), gap-based sessions, the mean and
 * variance of inter-event times (Welford), device counts and the last country. Session flags feed
 * the conversion propensity.
 */
public class Activity {
    public static final String[] DEVICES = {"mobile", "desktop", "tablet", "other"};

    public short[] hourOfWeek = new short[168];
    public String tz;
    public long sessions;
    public long sessionStart = Long.MIN_VALUE;
    public long sessionLast = Long.MIN_VALUE;
    public boolean sessionBrowsed;
    public boolean sessionConverted;
    public long gapCount;
    public double gapMean;
    public double gapM2;
    public long[] devices = new long[4];
    public String lastCountry;

    /** Conversion trials: sessions with a view or click; successes: those with a purchase too. */
    public long trials;

    public long successes;

    public Activity() {}

    /**
     * Applies one event.
     *
     * @param previousLastSeen the user's latest event time before this event (MIN if none)
     * @param behavioural false for bot-suspected events, which count for rhythm and sessions but
     *     not for propensity
     */
    public void add(
            EventType type,
            long ts,
            long previousLastSeen,
            ZoneId zone,
            String device,
            String country,
            long sessionGapMillis,
            boolean behavioural) {
        ZonedDateTime local = Instant.ofEpochMilli(ts).atZone(zone);
        int cell = (local.getDayOfWeek().getValue() - 1) * 24 + local.getHour();
        if (hourOfWeek[cell] == Short.MAX_VALUE) {
            for (int i = 0; i < hourOfWeek.length; i++) {
                hourOfWeek[i] = (short) (hourOfWeek[i] / 2);
            }
        }
        hourOfWeek[cell]++;

        if (sessionLast == Long.MIN_VALUE || ts > sessionLast + sessionGapMillis) {
            sessions++;
            sessionStart = ts;
            sessionLast = ts;
            sessionBrowsed = false;
            sessionConverted = false;
        } else if (ts > sessionLast) {
            sessionLast = ts;
        }
        if (previousLastSeen != Long.MIN_VALUE && ts > previousLastSeen) {
            gapCount++;
            double[] r = Welford.add(gapCount, gapMean, gapM2, (ts - previousLastSeen) / 1000.0);
            gapMean = r[0];
            gapM2 = r[1];
        }
        if (device != null) {
            devices[deviceSlot(device)]++;
        }
        if (country != null) {
            lastCountry = country;
        }
        if (behavioural) {
            if ((type == EventType.VIEW || type == EventType.CLICK) && !sessionBrowsed) {
                sessionBrowsed = true;
                trials++;
                if (sessionConverted) {
                    successes++;
                }
            } else if (type == EventType.PURCHASE && !sessionConverted) {
                sessionConverted = true;
                if (sessionBrowsed) {
                    successes++;
                }
            }
        }
    }

    static int deviceSlot(String device) {
        for (int i = 0; i < 3; i++) {
            if (DEVICES[i].equalsIgnoreCase(device)) {
                return i;
            }
        }
        return 3;
    }

    /** The most used device, or null. */
    public String preferredDevice() {
        int best = -1;
        for (int i = 0; i < devices.length; i++) {
            if (devices[i] > 0 && (best < 0 || devices[i] > devices[best])) {
                best = i;
            }
        }
        return best < 0 ? null : DEVICES[best];
    }

    /** The busiest hour of week (0 = Monday 00:00–00:59), or -1. */
    public int peakHourOfWeek() {
        int best = -1;
        for (int i = 0; i < hourOfWeek.length; i++) {
            if (hourOfWeek[i] > 0 && (best < 0 || hourOfWeek[i] > hourOfWeek[best])) {
                best = i;
            }
        }
        return best;
    }

    public Activity copy() {
        Activity c = new Activity();
        c.hourOfWeek = hourOfWeek.clone();
        c.tz = tz;
        c.sessions = sessions;
        c.sessionStart = sessionStart;
        c.sessionLast = sessionLast;
        c.sessionBrowsed = sessionBrowsed;
        c.sessionConverted = sessionConverted;
        c.gapCount = gapCount;
        c.gapMean = gapMean;
        c.gapM2 = gapM2;
        c.devices = devices.clone();
        c.lastCountry = lastCountry;
        c.trials = trials;
        c.successes = successes;
        return c;
    }
}
