package io.portrait.predict;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Keyed state of the prediction operator for one user: the LSTM state (h, c) after the user's
 * latest event, the model it belongs to, the latest outputs (for silence updates and for scoring
 * the prediction against the next event), and the user's last few steps packed (to rebuild (h, c)
 * under a new model). About 0.5 KiB with hidden 32 and 12 steps of history.
 */
public class PredictionState {
    public float[] h;
    public float[] c;

    /** sha256 digest (32 bytes) of the model that produced h and c. */
    public byte[] modelDigest;

    /** Label of that model, for the profile. */
    public String modelVersion;

    public float[] nextAction;
    public float purchaseSoon;
    public float churn;

    /** Event time of the latest step. */
    public long lastTs;

    /** The latest steps, oldest first, {@link StepInput#PACKED_BYTES} each. */
    public byte[] history;

    public PredictionState() {}

    /** The latest steps, oldest first. */
    public List<StepInput> steps() {
        List<StepInput> out = new ArrayList<>();
        if (history != null) {
            ByteBuffer buf = ByteBuffer.wrap(history);
            while (buf.remaining() >= StepInput.PACKED_BYTES) {
                out.add(StepInput.readFrom(buf));
            }
        }
        return out;
    }

    /** The latest step, or null. */
    public StepInput last() {
        if (history == null || history.length < StepInput.PACKED_BYTES) {
            return null;
        }
        return StepInput.readFrom(
                ByteBuffer.wrap(
                        history, history.length - StepInput.PACKED_BYTES, StepInput.PACKED_BYTES));
    }

    /** Appends a step, keeping at most {@code keep}. */
    public void remember(StepInput step, int keep) {
        int have = history == null ? 0 : history.length / StepInput.PACKED_BYTES;
        int drop = Math.max(0, have + 1 - keep);
        int kept = have - drop;
        ByteBuffer buf = ByteBuffer.allocate((kept + 1) * StepInput.PACKED_BYTES);
        if (kept > 0) {
            buf.put(history, drop * StepInput.PACKED_BYTES, kept * StepInput.PACKED_BYTES);
        }
        step.writeTo(buf);
        history = buf.array();
    }
}
