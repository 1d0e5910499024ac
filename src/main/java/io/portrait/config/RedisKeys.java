package io.portrait.config;

/** Redis key layout: a contract shared by the job, the CLI and the read API. */
public final class RedisKeys {
    private RedisKeys() {}

    public static final String PROFILE_PREFIX = "portrait:profile:";
    public static final String ALERTS_PREFIX = "portrait:alerts:";
    public static final String SEGMENTS = "portrait:segments";

    public static String profile(String userId) {
        return PROFILE_PREFIX + userId;
    }

    public static final String RECOMMENDATIONS_PREFIX = "portrait:recommendations:";

    /**
     * A user's latest recommendation list ({@code {"updated_at","items"}}), written by the
     * recommender; readers show it as the profile's {@code recommendations} group.
     */
    public static String recommendations(String userId) {
        return RECOMMENDATIONS_PREFIX + userId;
    }

    public static String alerts(String userId) {
        return ALERTS_PREFIX + userId;
    }
}
