package io.portrait.event;

/**
 * What the source emits for each Kafka record: either a parsed {@link Event} or a {@link
 * DeadLetter}, never both. Parsing happens in the source so that watermarks are generated per
 * partition from valid timestamps only; dead letters carry no event time.
 */
public record Ingested(Event event, DeadLetter deadLetter) {

    public static Ingested of(Event event) {
        return new Ingested(event, null);
    }

    public static Ingested rejected(DeadLetter deadLetter) {
        return new Ingested(null, deadLetter);
    }

    public boolean isEvent() {
        return event != null;
    }
}
