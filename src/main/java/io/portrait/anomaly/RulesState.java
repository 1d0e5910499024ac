package io.portrait.anomaly;

/** Per-user bookkeeping of {@link RulesFunction}: the newest event time and the bucket index. */
public class RulesState {
    /** The newest event time seen for the user. */
    public long newest = Long.MIN_VALUE;

    /** Start times of the user's non-empty buckets, ascending. */
    public long[] buckets = new long[0];

    /** Fingerprint of the rules in force when the user's aggregates were last reconciled. */
    public long ruleSet;

    /** The pending cleanup timer (event time), or 0. */
    public long timer;

    public RulesState() {}
}
