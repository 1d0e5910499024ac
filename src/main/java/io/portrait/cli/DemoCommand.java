package io.portrait.cli;

import io.portrait.demo.DemoRunner;
import io.portrait.replay.ReplayFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code portrait demo}: the whole system on one machine. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run everything locally: an in-process Kafka broker, a Redis server, the job on a Flink"
                    + " MiniCluster and a traffic generator (or a replayed file). Ends with a"
                    + " 'summary:' line."
        })
public final class DemoCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description =
                    "Stop generating after this long (e.g. 60s), then drain and print the summary.")
    Duration duration;

    @Option(names = "--events", paramLabel = "N", description = "Send at most N records.")
    Long events;

    @Option(
            names = "--users",
            defaultValue = "20000",
            description = "Number of simulated users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--rate",
            defaultValue = "2000",
            paramLabel = "EVENTS_PER_S",
            description = "Generator pace; 0 = as fast as possible (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--replay",
            paramLabel = "FILE",
            description = "Replay a file instead of generating traffic.")
    Path replay;

    @Option(
            names = "--format",
            defaultValue = "jsonl",
            description =
                    "Format of --replay: jsonl (one event JSON per line). online-retail and taobao come with the features stage.")
    String format;

    @Option(
            names = "--speed",
            defaultValue = "max",
            description =
                    "Replay pace: max, or a multiplier of event time (3600 = one hour of data per second).")
    String speed;

    @Option(
            names = "--until-idle",
            description =
                    "End once all input is sent and the job is idle (every record consumed, profiles flushed, a checkpoint completed).")
    boolean untilIdle;

    @Option(
            names = "--alerts-out",
            paramLabel = "FILE",
            description = "Also append every alert to FILE as one JSON line.")
    Path alertsOut;

    @Option(
            names = "--redis-url",
            paramLabel = "URL",
            description =
                    "Use this Redis (redis://host:port[/db]) instead of starting one; the password comes only from PORTRAIT_REDIS_PASSWORD.")
    String redisUrl;

    @Option(
            names = "--kafka-bootstrap",
            paramLabel = "HOST:PORT",
            description = "Use this Kafka instead of starting a broker.")
    String kafkaBootstrap;

    @Option(
            names = "--parallelism",
            defaultValue = "2",
            description = "Job parallelism (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--checkpoint-interval",
            defaultValue = "5s",
            description = "Checkpoint interval (default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(
            names = "--api-port",
            defaultValue = "8080",
            description =
                    "Port of the read API and dashboard on localhost, without authentication"
                            + " (default: ${DEFAULT-VALUE}; 0 = any free port, -1 = off).")
    int apiPort;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Set a portrait.* job setting.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        DemoRunner.Options options = validate();
        DemoRunner runner = new DemoRunner(options, spec.commandLine().getOut());
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook =
                new Thread(
                        () -> {
                            runner.requestStop();
                            try {
                                finished.await(90, TimeUnit.SECONDS);
                            } catch (InterruptedException ignored) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "portrait-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            runner.run();
            return 0;
        } finally {
            finished.countDown();
        }
    }

    DemoRunner.Options validate() {
        ReplayFormat replayFormat;
        try {
            replayFormat = ReplayFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (replay != null && !Files.isReadable(replay)) {
            throw new ParameterException(
                    spec.commandLine(), "--replay " + replay + " is not a readable file.");
        }
        if (users < 1) {
            throw new ParameterException(spec.commandLine(), "--users must be at least 1.");
        }
        if (events != null && events < 1) {
            throw new ParameterException(spec.commandLine(), "--events must be at least 1.");
        }
        if (rate < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--rate must be 0 (unpaced) or positive.");
        }
        if (parallelism < 1 || parallelism > 64) {
            throw new ParameterException(spec.commandLine(), "--parallelism must be 1..64.");
        }
        if (checkpointInterval.toMillis() < 100) {
            throw new ParameterException(
                    spec.commandLine(), "--checkpoint-interval must be at least 100ms.");
        }
        if (untilIdle && replay == null && events == null && duration == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--until-idle needs an end to the input: --replay FILE, --events N or --duration.");
        }
        double replaySpeed = ReplayCommand.parseSpeed(speed, spec.commandLine());
        if (alertsOut != null
                && alertsOut.getParent() != null
                && !Files.isDirectory(alertsOut.getParent())) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--alerts-out: directory " + alertsOut.getParent() + " does not exist.");
        }
        if (redisUrl != null) {
            io.portrait.config.RedisAddress.parse(redisUrl, "--redis-url");
        }
        if (apiPort < -1 || apiPort > 65_535) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--api-port must be from 0 to 65535 (0 = any free port), or -1 for no API.");
        }
        return new DemoRunner.Options(
                duration,
                events,
                users,
                seed,
                rate,
                replay,
                replayFormat,
                replaySpeed,
                untilIdle,
                alertsOut,
                redisUrl,
                kafkaBootstrap,
                parallelism,
                checkpointInterval,
                apiPort,
                settings);
    }
}
