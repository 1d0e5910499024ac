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
