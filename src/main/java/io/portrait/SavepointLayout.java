package io.portrait;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.streaming.api.graph.StreamGraphHasherV2;

/**
 * Refuses, before the job is submitted, a restore that cannot work: a savepoint restored under the
 * changelog state backend (below), and a savepoint taken by the multi-stage layout (before the user
 * operator, decision 0013). Flink alone would refuse it with "cannot map state for operator
 * <hash>", and with {@code --allowNonRestoredState} would start with every profile empty while the
 * sources' offsets are restored — silently losing all per-user state. There is no migration, so the
 * message says what to do instead.
 */
public final class SavepointLayout {
    /** Operators of the multi-stage layout that kept per-user state and no longer exist. */
    static final List<String> MULTI_STAGE_UIDS =
            List.of(
                    "dedup",
                    "data-quality",
                    "profile-core",
                    "profile-assembler",
                    "predict",
                    "model-control",
                    "segment-assign",
                    "card-testing",
                    "impossible-travel",
                    "spend-spike",
                    "dynamic-rules",
                    "alert-suppression",
                    "risk-parts");

    private SavepointLayout() {}

    /**
     * Checks the savepoint the job is about to restore, if any ({@code flink run -s}): its layout,
     * and that the changelog state backend is off for the restore. Under it, with Flink 2.2.1, no
     * restore mode was safe: in NO_CLAIM (Flink's default) the job restores, then fails every
     * checkpoint ("does not support enforcing a full snapshot") in a restart loop; in CLAIM mode
     * Flink deletes the savepoint's files at subsumption while the checkpoints after the restore
     * still read them (SavepointLayoutITCase reproduces it); in LEGACY mode the fault suite's
     * cluster lost files of the savepoint when a TaskManager was killed 90 s after a rescale, and
     * the job could never recover. Plain RocksDB restores a canonical savepoint in any mode.
     */
    public static void check(ReadableConfig configuration) {
        String path = configuration.get(StateRecoveryOptions.SAVEPOINT_PATH);
        if (path == null || path.isBlank()) {
            return;
        }
        if (configuration.get(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG)) {
            RecoveryClaimMode mode = configuration.get(StateRecoveryOptions.RESTORE_MODE);
            throw new IllegalArgumentException(
                    "restoring "
                            + path
                            + " in "
                            + mode
                            + " mode under the changelog state backend (state.changelog.enabled:"
                            + " true), which Flink 2.2.1 cannot do safely: in NO_CLAIM mode the job"
                            + " fails every checkpoint, in CLAIM and LEGACY mode files of the"
                            + " savepoint can be deleted while the job still needs them, and a"
                            + " later failure cannot be recovered. Submit with"
                            + " '-Dstate.changelog.enabled=false' (the savepoint, canonical,"
                            + " restores into plain RocksDB; flink-conf/ has it off).");
        }
        check(path);
    }

    /**
     * @throws IllegalArgumentException if {@code path} is not a readable savepoint or checkpoint,
     *     or holds the multi-stage layout's per-user state and none of the user operator's
     */
    public static void check(String path) {
        CheckpointMetadata metadata;
        try {
            var location = AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(path);
            try (DataInputStream in =
                    new DataInputStream(location.getMetadataHandle().openInputStream())) {
                metadata =
                        Checkpoints.loadCheckpointMetadata(
                                in, SavepointLayout.class.getClassLoader(), path);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the savepoint to restore ("
                            + path
                            + "): "
                            + e.getMessage()
                            + ". Check the path given with -s"
                            + " (execution.state-recovery.path); it is the directory printed by"
                            + " 'flink stop --savepointPath', or its _metadata file.",
                    e);
        }
        Map<OperatorID, String> old = new LinkedHashMap<>();
        for (String uid : MULTI_STAGE_UIDS) {
            old.put(operatorId(uid), uid);
        }
        OperatorID user = operatorId(Pipeline.USER_OPERATOR_UID);
        boolean hasUser = false;
        List<String> found = new ArrayList<>();
        for (OperatorState s : metadata.getOperatorStates()) {
            hasUser |= s.getOperatorID().equals(user);
            String uid = old.get(s.getOperatorID());
            if (uid != null && s.getStateSize() > 0) {
                found.add(uid);
            }
        }
        if (!found.isEmpty() && !hasUser) {
            throw new IllegalArgumentException(
                    "the savepoint "
                            + path
                            + " was taken by the multi-stage layout of portrait (it holds per-user"
                            + " state of "
                            + String.join(", ", found)
                            + ", operators this job no longer has; decision 0013). That state"
                            + " cannot be carried into the user operator, and with"
                            + " --allowNonRestoredState every profile would silently start empty."
                            + " Start the job without -s: it rebuilds the profiles from the events"
                            + " topic (see docs/operations.md, 'From the multi-stage layout').");
        }
    }

    /** The operator id Flink derives from a uid (what a savepoint's state is filed under). */
    static OperatorID operatorId(String uid) {
        return new OperatorID(StreamGraphHasherV2.generateUserSpecifiedHash(uid));
    }
}
