package io.portrait.anomaly;

import io.portrait.common.Hashing;
import io.portrait.common.Wire;
import io.portrait.event.Event;

/**
 * What the rules engine keeps of one event: its time, type, amount and 64-bit hashes of the
 * identifiers a rule can filter on or count distinct — enough to evaluate any rule, including one
 * added later, without the event itself. Encoded as {@code ts(varint) type(1) presence(varint)
 * [amount(varint)] [hash(8)]*}.
 */
final class RuleDigest {
    long ts;
    int type;
    long amountMinor = -1;
    final long[] hashes = new long[Rule.Field.IDENTIFIERS.length];

    static RuleDigest of(Event e) {
        RuleDigest d = new RuleDigest();
        d.ts = e.ts();
        d.type = e.type().slot();
        d.amountMinor = e.amountMinor() == null ? -1 : Math.max(0, e.amountMinor());
        for (int i = 0; i < Rule.Field.IDENTIFIERS.length; i++) {
            String v = value(e, Rule.Field.IDENTIFIERS[i]);
            d.hashes[i] = v == null || v.isEmpty() ? 0 : hash(v);
        }
        return d;
    }

    /** A value's hash in digests and rule filters: 64-bit and odd, so 0 means "none". */
    static long hash(String value) {
        return Hashing.hash64(value) | 1L;
    }

    private static String value(Event e, Rule.Field f) {
        return switch (f) {
            case ITEM_ID -> e.itemId();
            case CATEGORY -> e.category();
            case ORDER_ID -> e.orderId();
            case SESSION_ID -> e.sessionId();
            case DEVICE -> e.device();
            case IP -> e.ip();
            case COUNTRY -> e.country();
            case AMOUNT -> null;
        };
    }

    /** The hash of an identifier field, 0 when the event has none (hashes are odd otherwise). */
    long hash(Rule.Field f) {
        return hashes[f.ordinal() - 1];
    }

    void write(Wire.Out out) {
        out.svar(ts);
        out.byte1(type);
        int presence = amountMinor >= 0 ? 1 : 0;
        for (int i = 0; i < hashes.length; i++) {
            if (hashes[i] != 0) {
                presence |= 2 << i;
            }
        }
        out.uvar(presence);
        if (amountMinor >= 0) {
            out.uvar(amountMinor);
        }
        for (long h : hashes) {
            if (h != 0) {
                out.fixed64(h);
            }
        }
    }

    /** Reads the next digest into this object (reused while scanning a bucket). */
    RuleDigest read(Wire.In in) {
        ts = in.svar();
        type = in.byte1();
        int presence = (int) in.uvar();
        amountMinor = (presence & 1) != 0 ? in.uvar() : -1;
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = (presence & (2 << i)) != 0 ? in.fixed64() : 0;
        }
        return this;
    }
}
