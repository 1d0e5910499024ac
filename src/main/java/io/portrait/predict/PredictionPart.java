package io.portrait.predict;

/** The {@code predictions} group of a profile, as the prediction operator sends it. */
public class PredictionPart {
    /** Next-action probabilities by event type slot. */
    public float[] nextAction;

    public float purchaseSoon;

    /** The model's churn probability, raised by silence (docs/models/next-action.md). */
    public float churnRisk;

    /** {@code id@version} of the model that produced these numbers. */
    public String modelVersion;

    public PredictionPart() {}

    public PredictionPart(float[] nextAction, float purchaseSoon, float churnRisk, String version) {
        this.nextAction = nextAction;
        this.purchaseSoon = purchaseSoon;
        this.churnRisk = churnRisk;
        this.modelVersion = version;
    }
}
