package io.portrait.profile;

import io.portrait.segment.SegmentPart;

/**
 * Keyed state of the profile assembler: the newest part of each stage while a write is pending, its
 * trailing-edge timer, the user's risk (kept while it matters) and recommendations. Absent for a
 * user with none of these.
 */
public class AssemblerState {
    public CoreFeatures core;
    public SegmentPart segment;
    public io.portrait.predict.PredictionPart predictions;

    /** Silence-update number of the pending part (0: an event's part). */
    public int silenceTick;

    /** A part arrived since the last write. */
    public boolean dirty;

    /** Processing time of the trailing-edge timer while a change is pending (0: none). */
    public long nextWriteAt;

    /** An end-of-input flush timer (event time {@code Long.MAX_VALUE}) is registered. */
    public boolean flushTimerSet;

    /** The user's risk (kept while it matters; see RiskState), or null. */
    public RiskState risk;

    /** The user's latest recommendations (kept: every document carries them), or null. */
    public io.portrait.recommend.RecommendationPart recommendations;

    /**
     * Processing time until which parts of an erased user that were already on their way (an alert,
     * a recommendation list) are dropped; 0 otherwise. Only this marker is kept after an erase.
     */
    public long erasedUntil;

    /** Version of the last document written (named by risk patches). */
    public long lastVersion;

    public AssemblerState() {}
}
