package io.portrait.profile;

/**
 * One rendered profile document for the key-value store. {@code json} begins with {@code
 * {"epoch":E,"version":N,} so the store can compare versions without parsing it.
 */
public record ProfileRecord(String userId, long epoch, long version, String json, boolean erased) {

    /** True if this record should replace one with the given (epoch, version). */
    public boolean newerThan(long otherEpoch, long otherVersion) {
        return epoch > otherEpoch || (epoch == otherEpoch && version > otherVersion);
    }
}
