package io.portrait.anomaly;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An alert of the contract: {@code {"alert_id","user_id","rule","rule_version","severity","ts",
 * "detected_at","event_ids","details"}}. {@code alertId} is a hash of (rule, rule_version, user_id,
 * sorted event_ids), so a replay yields the same ids; {@code detailsJson} is the details object as
 * JSON text.
 */
public record Alert(
        String alertId,
        String userId,
        String rule,
        int ruleVersion,
        String severity,
        long ts,
        long detectedAt,
        String[] eventIds,
        String detailsJson) {

    public static Alert of(
            String userId,
            String rule,
            int ruleVersion,
            String severity,
            long ts,
            long detectedAt,
            String[] eventIds,
            String detailsJson) {
        return new Alert(
                id(rule, ruleVersion, userId, eventIds),
                userId,
                rule,
                ruleVersion,
                severity,
                ts,
                detectedAt,
                eventIds,
                detailsJson);
    }

    /** The first 128 bits of SHA-256 over rule, version, user and the sorted event ids, in hex. */
    public static String id(String rule, int ruleVersion, String userId, String[] eventIds) {
        String[] sorted = eventIds.clone();
        Arrays.sort(sorted);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(
                    (rule + "\u0000" + ruleVersion + "\u0000" + userId)
                            .getBytes(StandardCharsets.UTF_8));
            for (String id : sorted) {
                sha.update((byte) 0);
                sha.update(id.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
