package io.portrait.common;

import java.nio.charset.StandardCharsets;

/** 64-bit string hashing for id sets kept in state (collisions ~ n²/2⁶⁵, negligible). */
public final class Hashing {
    private Hashing() {}

    /** FNV-1a over the UTF-8 bytes, finished with MurmurHash3's fmix64 for avalanche. */
    public static long hash64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
