package io.portrait.profile;

import io.portrait.segment.SegmentPart;

/**
 * A tagged partial update for the profile assembler. Each stage fills only its own group; the
 * assembler merges them. Later stages (segment, predictions, risk) add their own nullable field.
 */
public class ProfilePart {
    public String userId;

    /** The profile core's features after the latest event, or null. */
    public CoreFeatures core;

    /** The segment group (set by the segment assigner), or null. */
    public SegmentPart segment;

    /** What the sequence model sees of the event behind this part; null if it should not see it. */
    public io.portrait.predict.StepInput step;

    /**
     * Event time of a silence update (no new event: the user has been quiet since {@code
     * core.lastSeen}), or 0 for a part caused by an event.
     */
    public long silenceAt;

    /** How many silence updates since the user's latest event (0 for an event's part). */
    public int silenceTick;

    /** The predictions group (set by the prediction operator), or null. */
    public io.portrait.predict.PredictionPart predictions;

    /** The recommendations group (set by the recommender), or null. */
    public io.portrait.recommend.RecommendationPart recommendations;

    /** An alert for the user's risk group (set on parts built from alerts), or null. */
    public io.portrait.anomaly.RiskSignal risk;

    public ProfilePart() {}

    public static ProfilePart core(String userId, CoreFeatures core) {
        ProfilePart p = new ProfilePart();
        p.userId = userId;
        p.core = core;
        return p;
    }

    public String getUserId() {
        return userId;
    }
}
