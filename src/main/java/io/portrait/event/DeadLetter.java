package io.portrait.event;

/**
 * A rejected input record, in the shape of the DLQ contract: the raw bytes as text when they are
 * valid UTF-8 ({@code raw}) or else base64 ({@code rawB64}), cut to a size cap ({@code truncated}),
 * a reason code, a human detail, and where the record came from.
 */
public record DeadLetter(
        String reason,
        String detail,
        String raw,
        String rawB64,
        boolean truncated,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        long ts,
        String key) {}
