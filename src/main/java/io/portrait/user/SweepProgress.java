package io.portrait.user;

/**
 * What one task of the user operator checkpoints about segment re-scores (union list state {@code
 * user-sweep}, a Flink POJO): the running key sweep, if any, and the model the last completed one
 * re-assigned with. On restore the entries of every former task merge: the newest running request
 * continues with the union of its done key groups; the oldest baseline wins (at worst one sweep
 * more).
 */
public final class SweepProgress {
    /** Version of the model that started the running sweep; 0 when none runs. */
    public long request;

    /** The running sweep's model (its JSON payload): the baseline once the sweep completes. */
    public String requestModel;

    /** Key groups the running sweep has done ({@link java.util.BitSet#toByteArray()}). */
    public byte[] done;

    /** Version of the model of the last completed re-score; 0 before the first. */
    public long baselineVersion;

    /** That model's JSON payload, or null. */
    public String baseline;

    /** Processing time (epoch ms) at which the last sweep started. */
    public long lastStart;

    public SweepProgress() {}
}
