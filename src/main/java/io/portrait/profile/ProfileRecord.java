package io.portrait.profile;

import io.portrait.config.RedisKeys;

/**
 * One document for the key-value store under {@code key}. {@code json} begins with {@code
 * {"epoch":E,"version":N,"revision":R,} so the store can compare versions without parsing it. Profiles use
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

    /** {@link #patch}: a user's recommendation list, under its own key. */
    public static final byte RECOMMENDATIONS = 2;

    public ProfileRecord(
            String key, String userId, long epoch, long version, String json, boolean erased) {
        this(key, userId, epoch, version, json, erased, DOCUMENT);
    }

    public boolean recommendations() {
        return patch == RECOMMENDATIONS;
    }

    /**
     * A user's recommendation list under {@code portrait:recommendations:<user_id>}: {@code json}
     * is the group object {@code {"updated_at":…,"items":[…]}}, which readers show as the profile's
     * {@code recommendations} group.
     */
    public static ProfileRecord recommendations(String userId, String group) {
        return new ProfileRecord(
                RedisKeys.recommendations(userId), userId, 0, 0, group, false, RECOMMENDATIONS);
    }

    /** A user's profile document. */
    public ProfileRecord(String userId, long epoch, long version, String json, boolean erased) {
        this(RedisKeys.profile(userId), userId, epoch, version, json, erased, DOCUMENT);
    }

    /** True if this record should replace one with the given (epoch, version). */
    public boolean newerThan(long otherEpoch, long otherVersion) {
        return epoch > otherEpoch || (epoch == otherEpoch && version > otherVersion);
    }

    /** True if this record should replace {@code other}: (epoch, version, revision) order. */
    public boolean newerThan(ProfileRecord other) {
        if (epoch != other.epoch || version != other.version) {
            return newerThan(other.epoch, other.version);
        }
        return revision() > other.revision();
    }

    /**
     * The revision in the document's prefix ({@code "revision":R} right after the version; 0 when
     * absent): writes of the same version caused by something other than an event.
     */
    public int revision() {
        if (json == null) {
            return 0;
        }
        int at = json.indexOf(",\"revision\":");
        if (at < 0 || at > 64) {
            return 0;
        }
        int i = at + 12;
        int n = 0;
        while (i < json.length() && Character.isDigit(json.charAt(i))) {
            n = n * 10 + (json.charAt(i++) - '0');
        }
        return n;
    }
}
