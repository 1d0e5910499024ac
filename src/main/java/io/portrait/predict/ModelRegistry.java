package io.portrait.predict;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The model each job should use, per JVM: written by {@link ModelControlFunction} (which reads the
 * broadcast control stream), read by the {@link PredictionOperator}s of the same job in this JVM.
 * This lets the prediction operator be a one-input operator chained behind the profile core (no
 * extra task and network hop per event) while models still change at runtime. Every slot of a job
 * holds one subtask of each, so every TaskManager that predicts also receives the records.
 */
public final class ModelRegistry {
    private static final ConcurrentHashMap<String, ModelRef> CURRENT = new ConcurrentHashMap<>();
    private static final AtomicLong CHANGES = new AtomicLong();

    private ModelRegistry() {}

    /** Makes {@code ref} the model of {@code job} in this JVM (idempotent for the same ref). */
    public static void publish(String job, ModelRef ref) {
        ModelRef previous = CURRENT.put(job, ref);
        if (previous == null || !same(previous, ref)) {
            CHANGES.incrementAndGet();
        }
    }

    /** The published model of {@code job}, or null. */
    public static ModelRef current(String job) {
        return CURRENT.get(job);
    }

    /** A counter that moves whenever any job's model changes: a cheap check per event. */
    public static long changes() {
        return CHANGES.get();
    }

    /** Drops {@code job}'s entry (its control function closed). */
    public static void forget(String job) {
        CURRENT.remove(job);
    }

    static boolean same(ModelRef a, ModelRef b) {
        return a.version == b.version
                && java.util.Objects.equals(a.id, b.id)
                && java.util.Objects.equals(a.uri, b.uri)
                && java.util.Objects.equals(a.sha256, b.sha256);
    }
}
