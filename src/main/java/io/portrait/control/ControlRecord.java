package io.portrait.control;

import io.portrait.event.DeadLetter;

/** A parsed control record: a valid {@link ControlMessage} or a dead letter, never both. */
public record ControlRecord(ControlMessage message, DeadLetter deadLetter) {}
