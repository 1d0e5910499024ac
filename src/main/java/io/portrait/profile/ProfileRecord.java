package io.portrait.profile;

import io.portrait.config.RedisKeys;

/**
 * One document for the key-value store under {@code key}. {@code json} begins with {@code
 * {"epoch":E,"version":N,} so the store can compare versions without parsing it. Profiles use
 * {@code portrait:profile:<user_id>}; segment summaries use {@code portrait:segments}.
 */
public record ProfileRecord(
        String key,
        String userId,
        long epoch,
        long version,
        String json,
        boolean erased,
        byte patch) {

    /** {@link #patch}: a whole document. */
    public static final byte DOCUMENT = 0;

    /** {@link #patch}: the head of the risk group only. */
    public static final byte RISK = 1;

    /** {@link #patch}: the recommendations group only (the document's last group). */
    public static final byte RECOMMENDATIONS = 2;

    public ProfileRecord(
            String key, String userId, long epoch, long version, String json, boolean erased) {
        this(key, userId, epoch, version, json, erased, DOCUMENT);
    }

    public boolean riskPatch() {
        return patch == RISK;
    }

    public boolean recommendationsPatch() {
        return patch == RECOMMENDATIONS;
    }

    public boolean isPatch() {
        return patch != DOCUMENT;
    }

    /**
     * The recommendations group only, for a user whose document the assembler no longer holds:
     * {@code json} is {@code "recommendations":{…}}, which replaces the stored document's group (or
     * is appended as its last group).
     */
    public static ProfileRecord recommendationsPatch(
            String userId, long epoch, long version, String group) {
        return new ProfileRecord(
                RedisKeys.profile(userId), userId, epoch, version, group, false, RECOMMENDATIONS);
    }

    /** Where the recommendations group starts (a category named so cannot be followed by this). */
    public static final String RECOMMENDATIONS_HEAD = ",\"recommendations\":{\"updated_at\":";

    /** This document with {@code patch}'s recommendations group in place of its own. */
    public ProfileRecord withRecommendations(ProfileRecord patch) {
        if (erased || json == null || !json.endsWith("}")) {
            return this;
        }
        int at = json.lastIndexOf(RECOMMENDATIONS_HEAD);
        String head = at >= 0 ? json.substring(0, at) : json.substring(0, json.length() - 1);
        return new ProfileRecord(
                key, userId, epoch, version, head + "," + patch.json() + "}", false, DOCUMENT);
    }

    /** A user's profile document. */
    public ProfileRecord(String userId, long epoch, long version, String json, boolean erased) {
        this(RedisKeys.profile(userId), userId, epoch, version, json, erased, DOCUMENT);
    }

    /**
     * A change of the risk group only, for a user whose document the assembler no longer holds:
     * {@code json} is the group's head {@code "risk":{"score":S,"alerts_30d":N}, which replaces
     * the same head in the stored document (docs/anomaly.md#risk).
     */
    public static ProfileRecord riskPatch(String userId, long epoch, long version, String head) {
        return new ProfileRecord(
                RedisKeys.profile(userId), userId, epoch, version, head, false, RISK);
    }

    /** The pattern of the risk group's head in a document. */
    static final java.util.regex.Pattern RISK_HEAD =
            java.util.regex.Pattern.compile("\"risk\":\\{\"score\":[^,]*,\"alerts_30d\":\\d+");

    /** This document with the risk head of {@code patch} in place of its own. */
    public ProfileRecord withRisk(ProfileRecord patch) {
        java.util.regex.Matcher m = RISK_HEAD.matcher(json);
        if (erased || !m.find()) {
            return this;
        }
        String updated = json.substring(0, m.start()) + patch.json() + json.substring(m.end());
        return new ProfileRecord(key, userId, epoch, version, updated, false, DOCUMENT);
    }

    /** True if this record should replace one with the given (epoch, version). */
    public boolean newerThan(long otherEpoch, long otherVersion) {
        return epoch > otherEpoch || (epoch == otherEpoch && version > otherVersion);
    }

    /** True if this record should replace {@code other}: (epoch, version, silence tick) order. */
    public boolean newerThan(ProfileRecord other) {
        if (epoch != other.epoch || version != other.version) {
            return newerThan(other.epoch, other.version);
        }
        return tick() > other.tick();
    }

    /**
     * The silence-update number in the document's prefix ({@code "tick":k} right after the version;
     * 0 when absent): a silence update has the version of the user's latest event.
     */
    public int tick() {
        if (json == null) {
            return 0;
        }
        int at = json.indexOf(",\"tick\":");
        if (at < 0 || at > 64) {
            return 0;
        }
        int i = at + 8;
        int n = 0;
        while (i < json.length() && Character.isDigit(json.charAt(i))) {
            n = n * 10 + (json.charAt(i++) - '0');
        }
        return n;
    }
}
