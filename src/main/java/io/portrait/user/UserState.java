package io.portrait.user;

import io.portrait.anomaly.Detectors;
import io.portrait.anomaly.RulesEngine;
import io.portrait.anomaly.Suppression;
import io.portrait.dedup.SeenIds;
import io.portrait.predict.PredictionState;
import io.portrait.predict.StepInput;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.RiskState;
import io.portrait.quality.BotState;
import io.portrait.segment.SegmentState;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the job knows about one user: the records of every per-user module, held as one state
 * value ({@link UserStateCodec}). Optional modules are null until they have something to keep. An
 * erased user keeps only {@code core.version}, so later documents of the same id move forward past
 * the tombstone. Fields marked "not stored" live only while the user is in the operator's cache.
 */
public final class UserState {
    /**
     * Never null; {@code core.version} is the document version (events applied, erase included).
     */
    public CoreFeatures core = new CoreFeatures();

    /** Writes of {@code core.version} caused by something other than an event. */
    public int revision;

    public SeenIds eventIds = new SeenIds();
    public SeenIds orderIds = new SeenIds();
    public BotState bot;
    public Detectors.State detectors;
    public RulesEngine.State rules;
    public Suppression suppression;
    public RiskState risk;
    public SegmentState segment;
    public PredictionState prediction;

    /** Event time of the silence update the document shows (0: it shows an event). */
    public long silenceAt;

    /** Event time of the user's registered timer (0: none). */
    public long timerAt;

    /** Not stored: steps waiting for the next flush's batched LSTM call. */
    public List<StepInput> queued;

    /** Not stored: an event changed the features since the last flush. */
    public boolean changed;

    /** Not stored: something else the document shows changed (an alert, a silence update). */
    public boolean renderNeeded;

    public void queue(StepInput step) {
        if (queued == null) {
            queued = new ArrayList<>(4);
        }
        queued.add(step);
    }

    /** What stays of an erased user: the version, so documents keep moving forward. */
    public static UserState erased(long version) {
        UserState s = new UserState();
        s.core.version = version;
        s.core.erased = true;
        return s;
    }

    /** Whether only the version is left (the user was erased or expired and nothing came since). */
    public boolean isErased() {
        return core.erased;
    }
}
