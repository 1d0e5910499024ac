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
}
