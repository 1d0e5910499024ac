package io.portrait.user;

import io.portrait.anomaly.Detectors;
import io.portrait.anomaly.RulesEngine;
import io.portrait.anomaly.Suppression;
import io.portrait.common.Wire;
import io.portrait.dedup.SeenIds;
import io.portrait.predict.Predictor;
import io.portrait.profile.CoreFeaturesCodec;
import io.portrait.profile.RiskState;
import io.portrait.quality.Quality;
import io.portrait.segment.SegmentAssign;

/**
 * The binary form of {@link UserState}: one format-version byte, a presence mask of the optional
 * modules, then each module's own encoding in a fixed order. A reader accepts every format version
 * up to {@link #FORMAT} (older versions are read by their own branch when the format changes) and
 * refuses a newer one with a message that says so; it never shares a buffer with the value it
 * returns, and {@link #encode} always returns a fresh array (the heap state backend keeps it).
 */
public final class UserStateCodec {
    /** The format written now. */
    public static final int FORMAT = 1;

    private static final int BOT = 1;
    private static final int DETECTORS = 1 << 1;
    private static final int RULES = 1 << 2;
    private static final int SUPPRESSION = 1 << 3;
    private static final int RISK = 1 << 4;
    private static final int SEGMENT = 1 << 5;
    private static final int PREDICTION = 1 << 6;
    private static final int ERASED = 1 << 7;

    private UserStateCodec() {}

    public static byte[] encode(UserState s) {
        Wire.Out out = new Wire.Out(256);
        out.byte1(FORMAT);
        if (s.isErased()) {
            out.uvar(ERASED).uvar(s.core.version);
            return out.toByteArray();
        }
        int mask =
                (s.bot != null ? BOT : 0)
                        | (s.detectors != null ? DETECTORS : 0)
                        | (s.rules != null ? RULES : 0)
                        | (s.suppression != null ? SUPPRESSION : 0)
                        | (s.risk != null ? RISK : 0)
                        | (s.segment != null ? SEGMENT : 0)
                        | (s.prediction != null ? PREDICTION : 0);
        out.uvar(mask);
        CoreFeaturesCodec.write(s.core, out);
        out.uvar(s.revision).svar(s.silenceAt).svar(s.timerAt);
        s.eventIds.write(out);
        s.orderIds.write(out);
        if (s.bot != null) {
            Quality.write(s.bot, out);
        }
        if (s.detectors != null) {
            s.detectors.write(out);
        }
        if (s.rules != null) {
            s.rules.write(out);
        }
        if (s.suppression != null) {
            s.suppression.write(out);
        }
        if (s.risk != null) {
            s.risk.write(out);
        }
        if (s.segment != null) {
            SegmentAssign.write(s.segment, out);
        }
        if (s.prediction != null) {
            Predictor.write(s.prediction, out);
        }
        return out.toByteArray();
    }

    public static UserState decode(byte[] bytes) {
        Wire.In in = new Wire.In(bytes);
        int format = in.byte1();
        if (format != FORMAT) {
            throw new IllegalStateException(
                    "user state has format version "
                            + format
                            + "; this build reads up to "
                            + FORMAT
                            + " (restore it with the build that wrote it, or a newer one)");
        }
        int mask = in.uvarInt();
        if ((mask & ERASED) != 0) {
            return UserState.erased(in.uvar());
        }
        UserState s = new UserState();
        s.core = CoreFeaturesCodec.read(in);
        s.revision = in.uvarInt();
        s.silenceAt = in.svar();
        s.timerAt = in.svar();
        s.eventIds = SeenIds.read(in);
        s.orderIds = SeenIds.read(in);
        if ((mask & BOT) != 0) {
            s.bot = Quality.read(in);
        }
        if ((mask & DETECTORS) != 0) {
            s.detectors = Detectors.State.read(in);
        }
        if ((mask & RULES) != 0) {
            s.rules = RulesEngine.State.read(in);
        }
        if ((mask & SUPPRESSION) != 0) {
            s.suppression = Suppression.read(in);
        }
        if ((mask & RISK) != 0) {
            s.risk = RiskState.read(in);
        }
        if ((mask & SEGMENT) != 0) {
            s.segment = SegmentAssign.read(in);
        }
        if ((mask & PREDICTION) != 0) {
            s.prediction = Predictor.read(in);
        }
        if (in.more()) {
            throw new IllegalStateException(
                    "user state has " + (bytes.length - in.position()) + " unread bytes");
        }
        return s;
    }
}
