package io.portrait.cli;

import io.portrait.demo.TrafficGenerator;
import io.portrait.replay.Replayed;
import io.portrait.replay.Replayer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portrait generate}: the demo's synthetic traffic into any Kafka, or a file. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Generate behaviour traffic (user archetypes, sessions, multi-line orders, scraper bots,"
                    + " 1 %% malformed records, 2 %% duplicates) with the event time of now, into Kafka"
                    + " or a file of JSON lines."
        })
public final class GenerateCommand implements Callable<Integer> {

    @Spec CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin OutputTargetMixin output;

    @Option(
            names = "--users",
            defaultValue = "20000",
            description = "Simulated users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--rate",
            defaultValue = "1000",
            description =
                    "Records per second; 0 = as fast as possible (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--events", paramLabel = "N", description = "Stop after N records.")
    Long events;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description = "Stop after this long (e.g. 10min).")
    Duration duration;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--scenario",
            paramLabel = "SPEC",
            description =
                    "Instead of live traffic: the labelled anomaly scenarios of SPEC (a JSON file,"
                            + " or 'default' for the shipped one; docs/anomaly.md#measurement),"
                            + " event times over the spec's span up to now, as fast as possible.")
    String scenario;

    @Option(
            names = "--labels-out",
            paramLabel = "FILE",
            description = "With --scenario: write user_id,episode,label lines (CSV) to FILE.")
    java.nio.file.Path labelsOut;

    @Override
    public Integer call() throws Exception {
        output.validate(spec.commandLine());
        if (scenario != null) {
            return scenario();
        }
        if (labelsOut != null) {
            throw new ParameterException(spec.commandLine(), "--labels-out needs --scenario.");
        }
        if (users < 1 || rate < 0 || (events != null && events < 1)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--users and --events must be at least 1, --rate at least 0.");
        }
        TrafficGenerator gen = TrafficGenerator.live(seed, users);
        long limit = events == null ? Long.MAX_VALUE : events;
        long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        long started = System.nanoTime();
        long n = 0;
        io.portrait.replay.ProgressBar bar =
                new io.portrait.replay.ProgressBar(
                        spec.commandLine().getErr(), "generate", "records");
        try (Replayer.Target target = output.open()) {
            while (n < limit && System.nanoTime() < deadline) {
                TrafficGenerator.Record r = gen.next();
                target.send(
                        new Replayed(
                                r.key() == null
                                        ? null
                                        : new String(r.key(), StandardCharsets.UTF_8),
                                r.value(),
                                Long.MIN_VALUE));
                n++;
                if ((n & 1023) == 0) {
                    bar.update(fraction(n, limit, started, deadline), n);
                }
                if (rate > 0) {
                    long wait = started + (long) (n * 1e9 / rate) - System.nanoTime();
                    if (wait > 1_000_000) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            }
        }
        bar.finish(fraction(n, limit, started, deadline), n);
        spec.commandLine().getOut().printf("generated %d records for %d users%n", n, users);
        return 0;
    }

    /** How far along: by records with --events, by time with --duration, unknown without. */
    static double fraction(long n, long limit, long started, long deadline) {
        if (limit != Long.MAX_VALUE) {
            return n / (double) limit;
        }
        if (deadline != Long.MAX_VALUE) {
            return (System.nanoTime() - started) / (double) (deadline - started);
        }
        return Double.NaN;
    }

    private int scenario() throws Exception {
        io.portrait.demo.Scenarios.Stream stream;
        try {
            stream =
                    io.portrait.demo.Scenarios.generate(
                            io.portrait.demo.Scenarios.spec(scenario), System.currentTimeMillis());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--scenario: " + e.getMessage());
        }
        try (Replayer.Target target = output.open()) {
            for (io.portrait.demo.Scenarios.Labelled e : stream.events()) {
                target.send(new Replayed(e.userId(), e.json(), Long.MIN_VALUE));
            }
        }
        if (labelsOut != null) {
            StringBuilder b = new StringBuilder("user_id,episode,label\n");
            new java.util.TreeMap<>(stream.labels())
                    .forEach(
                            (u, l) ->
                                    b.append(u)
                                            .append(',')
                                            .append(stream.episodes().get(u))
                                            .append(',')
                                            .append(l)
                                            .append('\n'));
            java.nio.file.Files.writeString(labelsOut, b);
        }
        spec.commandLine()
                .getOut()
                .printf(
                        "generated %d scenario events for %d users (%d labelled with a rule)%n",
                        stream.events().size(),
                        stream.labels().size(),
                        stream.labels().values().stream().filter(l -> !l.equals("none")).count());
        return 0;
    }
}
