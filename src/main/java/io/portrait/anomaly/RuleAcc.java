package io.portrait.anomaly;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One rule's running aggregate for one user (keyed state of {@link RulesFunction}): the filtered
 * events with {@code ts > cutoff} that have arrived. Events enter when they arrive and leave when
 * the window's start passes them (read back from the bucket that holds them), so no event is
 * visited more than twice per rule.
 */
public class RuleAcc {
    /** The rule version this aggregate was built for; another version rebuilds it. */
    public long version;

    /** Events at or before this event time are not counted. */
    public long cutoff;

    public long count;

    /** Sum of amounts, base-currency minor units. */
    public long sum;

    /** Distinct values (64-bit hashes) → how many events in the window carry each. */
    public Map<Long, Integer> distinct = new HashMap<>();

    /** The aggregate was at or above the threshold after the previous event (fires on crossing). */
    public boolean above;

    /** Ids and times of the most recent matching events, the alert's evidence (at most 10). */
    public List<String> evidence = new ArrayList<>();

    public List<Long> evidenceTs = new ArrayList<>();

    public RuleAcc() {}
}
