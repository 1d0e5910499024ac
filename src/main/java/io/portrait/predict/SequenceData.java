package io.portrait.predict;

import io.portrait.common.Hashing;
import io.portrait.config.PortraitConfig;
import io.portrait.demo.TrafficGenerator;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.event.Ingested;
import io.portrait.ingest.EventParser;
import io.portrait.replay.Replay;
import io.portrait.replay.ReplayFormat;
import io.portrait.replay.Replayed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Users' event sequences for training and evaluation, read through the job's own parser (so a
 * dataset row becomes exactly the event the job would see), de-duplicated by event id, each user's
 * events in event-time order. Bot-suspected and erase events are left out, as in the job.
 */
public final class SequenceData {
    /** One user's steps, oldest first. */
    public record UserSequence(String userId, List<StepInput> steps) {}

    /** User-level split by a stable hash of the user id: 20 % test, 10 % validation, 70 % train. */
    public enum Split {
        TRAIN,
        VALIDATION,
        TEST,
        ALL;

        boolean contains(String userId) {
            if (this == ALL) {
                return true;
            }
            int bucket = (int) Long.remainderUnsigned(Hashing.hash64("split:" + userId), 10);
            Split s = bucket < 2 ? TEST : bucket < 3 ? VALIDATION : TRAIN;
            return s == this;
        }
    }

    private final List<UserSequence> users;
    private final long endTs;

    private SequenceData(List<UserSequence> users, long endTs) {
        this.users = users;
        this.endTs = endTs;
    }

    public List<UserSequence> users() {
        return users;
    }

    /** The latest event time in the data: churn labels need to know where observation ends. */
    public long endTs() {
        return endTs;
    }

    public long events() {
        return users.stream().mapToLong(u -> u.steps.size()).sum();
    }

    public SequenceData split(Split split) {
        return new SequenceData(
                users.stream().filter(u -> split.contains(u.userId)).toList(), endTs);
    }

    /** Both datasets' users (ids prefixed so they cannot collide). */
    public SequenceData plus(SequenceData other, String prefix) {
        List<UserSequence> all = new ArrayList<>(users);
        for (UserSequence u : other.users) {
            all.add(new UserSequence(prefix + u.userId, u.steps));
        }
        return new SequenceData(all, Math.max(endTs, other.endTs));
    }

    /** Reads a replayable file (docs/replay.md formats). */
    public static SequenceData read(Path file, ReplayFormat format) {
        Collector c = new Collector();
        try (Replay replay = Replay.open(file, format)) {
            while (replay.hasNext()) {
                Replayed r = replay.next();
                c.add(r.key() == null ? null : r.key().getBytes(), r.value());
            }
        }
        return c.build();
    }

    /**
     * Generated traffic with labelled archetypes (no bots, no malformed records), on a simulated
     * clock of {@code spacingMillis} between events from {@code startTs}.
     */
    public static SequenceData generated(
            long seed, int users, int events, long startTs, long spacingMillis) {
        long[] clock = {startTs};
        TrafficGenerator gen =
                new TrafficGenerator(
                        seed,
                        users,
                        () -> clock[0] += spacingMillis,
                        0,
                        0,
                        new double[] {35, 30, 8, 15, 12, 0});
        Collector c = new Collector();
        for (int i = 0; i < events; i++) {
            TrafficGenerator.Record r = gen.next();
            c.add(r.key(), r.value());
        }
        return c.build();
    }

    private static final class Collector {
        private final EventParser parser = new EventParser(PortraitConfig.defaults());
        private final EventParser.Source source = new EventParser.Source("dataset", 0, -1);
        private final Map<String, List<Event>> byUser = new LinkedHashMap<>();
        private final Set<String> seen = new HashSet<>();
        private final long now = System.currentTimeMillis();

        void add(byte[] key, byte[] value) {
            Ingested in = parser.parse(key, value, source, now);
            if (!in.isEvent()) {
                return;
            }
            Event e = in.event();
            if (e.type() == EventType.ERASE || !seen.add(e.eventId())) {
                return;
            }
            byUser.computeIfAbsent(e.userId(), k -> new ArrayList<>()).add(e);
        }

        SequenceData build() {
            List<UserSequence> users = new ArrayList<>();
            long end = Long.MIN_VALUE;
            for (var entry : byUser.entrySet()) {
                List<Event> events = entry.getValue();
                events.sort(Comparator.comparingLong(Event::ts)); // stable: file order on ties
                List<StepInput> steps = new ArrayList<>(events.size());
                for (Event e : events) {
                    steps.add(StepInput.of(e));
                    end = Math.max(end, e.ts());
                }
                users.add(new UserSequence(entry.getKey(), List.copyOf(steps)));
            }
            return new SequenceData(List.copyOf(users), end);
        }
    }
}
