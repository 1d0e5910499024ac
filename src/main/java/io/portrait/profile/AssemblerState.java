package io.portrait.profile;

/** Keyed state of the profile assembler: the newest part of each stage and the coalescing clock. */
public class AssemblerState {
    public CoreFeatures core;

    /** A part arrived since the last write. */
    public boolean dirty;

    /** Processing time before which no further write is made (coalescing). */
    public long nextWriteAt;

    /** An end-of-input flush timer (event time {@code Long.MAX_VALUE}) is registered. */
    public boolean flushTimerSet;

    public AssemblerState() {}
}
