package io.portrait.config;

/** Default topic names: a contract shared by the job, the CLI and the read API. */
public final class Topics {
    private Topics() {}

    public static final String EVENTS = "portrait.events";
    public static final String EVENTS_DLQ = "portrait.events.dlq";
    public static final String ALERTS = "portrait.alerts";

    /** CEP's raw matches, read back by the user operator (an internal loop). */
    public static final String ALERTS_CEP = "portrait.alerts.cep";

    public static final String CHANGES = "portrait.changes";
    public static final String CONTROL = "portrait.control";
    public static final String CONTROL_DLQ = "portrait.control.dlq";
}
