package io.portrait.profile;

import io.portrait.config.RedisKeys;

/**
 * One document for the key-value store under {@code key}. {@code json} begins with {@code
 * {"epoch":E,"version":N,} so the store can compare versions without parsing it. Profiles use
 * {@code portrait:profile:<user_id>}; segment summaries use {@code portrait:segments}.
 */
public record ProfileRecord(
        String key, String userId, long epoch, long version, String json, boolean erased) {

    /** A user's profile document. */
    public ProfileRecord(String userId, long epoch, long version, String json, boolean erased) {
        this(RedisKeys.profile(userId), userId, epoch, version, json, erased);
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
