package io.portrait.user;

import io.portrait.anomaly.Alert;
import io.portrait.anomaly.Enriched;
import io.portrait.event.Event;
import io.portrait.profile.ProfileChange;
import io.portrait.segment.ClusterDelta;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.apache.flink.util.OutputTag;

/**
 * The user operator's side outputs. Their names are part of the job's graph (not of its state), so
 * they may change with the topology.
 */
public final class UserOutputs {
    private UserOutputs() {}

    /** Every alert that passed suppression, for portrait.alerts and the recent-alerts set. */
    public static final OutputTag<Alert> ALERTS =
            new OutputTag<>("alerts", TypeExtractor.getForClass(Alert.class));

    /** Events with the user's statistics from before them, for the CEP patterns. */
    public static final OutputTag<Enriched> ENRICHED =
            new OutputTag<>("enriched", TypeExtractor.getForClass(Enriched.class));

    /** Accepted events after data quality (and erase events), for the recommendation stages. */
    public static final OutputTag<Event> CHECKED =
            new OutputTag<>("checked-events", TypeExtractor.getForClass(Event.class));

    /** segment_changed, risk_crossed, erased: for portrait.changes. */
    public static final OutputTag<ProfileChange> CHANGES =
            new OutputTag<>("changes", TypeExtractor.getForClass(ProfileChange.class));

    /** The task's pre-aggregated changes to the centroid statistics, one per flush. */
    public static final OutputTag<ClusterDelta> CLUSTER_DELTAS =
            new OutputTag<>("cluster-deltas", TypeExtractor.getForClass(ClusterDelta.class));
}
