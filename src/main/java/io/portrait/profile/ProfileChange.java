package io.portrait.profile;

/**
 * A record of {@code portrait.changes}: {@code {"user_id","ts","kind","from","to",
 * "profile_version"}}. {@code from} and {@code to} are JSON text (or null).
 */
public record ProfileChange(
        String userId, long ts, String kind, String from, String to, long profileVersion) {}
