package io.portrait.anomaly;

/** What the profile assembler needs of an alert to update the user's risk group. */
public class RiskSignal {
    public String rule;
    public String severity;

    /** Event time of the alert. */
    public long ts;

    public RiskSignal() {}

    public static RiskSignal of(Alert a) {
        RiskSignal s = new RiskSignal();
        s.rule = a.rule();
        s.severity = a.severity();
        s.ts = a.ts();
        return s;
    }
}
