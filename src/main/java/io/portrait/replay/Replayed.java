package io.portrait.replay;

/**
 * One record to send to the events topic: its key (the user id, or null when the row has none), the
 * event JSON, and its event time in epoch milliseconds ({@link Long#MIN_VALUE} when the line could
 * not be read, e.g. a malformed JSON line, which is sent as-is for the job's DLQ).
 */
public record Replayed(String key, byte[] value, long ts) {}
