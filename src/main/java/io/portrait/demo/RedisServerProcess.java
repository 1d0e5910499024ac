package io.portrait.demo;

import io.portrait.config.RedisAddress;
import io.portrait.sink.RedisConnections;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.embedded.core.ExecutableProvider;

/**
 * A real Redis server as a child process on a loopback port: the system {@code redis-server} when
 * one is on the PATH, else the Redis binary shipped inside the embedded-redis jar. Persistence is
 * off. It can be stopped and started again on the same port, which tests use to simulate an outage.
 */
public final class RedisServerProcess implements AutoCloseable {

    private final File executable;
    private final int port;
    private final Path logFile;
    private final List<String> extraArgs;
    private final String password;
    private Process process;

    private RedisServerProcess(File executable, int port, Path logFile, String password) {
        this(
                executable,
                port,
                logFile,
                password,
                password == null ? List.of() : List.of("--requirepass", password));
    }

    private RedisServerProcess(
            File executable, int port, Path logFile, String password, List<String> extraArgs) {
        this.executable = executable;
        this.port = port;
        this.logFile = logFile;
        this.password = password;
        this.extraArgs = extraArgs;
    }

    public static RedisServerProcess start() {
        return start(null);
    }

    /** A server that requires this password (AUTH), or none when null. */
    /**
     * A Redis server that keeps its data across a kill and restart: append-only file in {@code
     * dir}, fsync on every write (fault tests: a Redis killed and restarted loses nothing written).
     */
    public static RedisServerProcess startPersistent(Path dir) {
        return start(dir, List.of("--appendonly", "yes", "--appendfsync", "always"));
    }

    /**
     * A server on a free port working in {@code dir} (its log there too), with further {@code
     * redis-server} options (e.g. {@code --cluster-enabled yes}).
     */
    public static RedisServerProcess start(Path dir, List<String> options) {
        try {
            Files.createDirectories(dir);
            List<String> args = new java.util.ArrayList<>(List.of("--dir", dir.toString()));
            args.addAll(options);
            RedisServerProcess r =
                    new RedisServerProcess(
                            executable(), FreePorts.next(), dir.resolve("redis.log"), null, args);
            r.startProcess();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RedisServerProcess start(String password) {
        try {
            RedisServerProcess r =
                    new RedisServerProcess(
                            executable(),
                            FreePorts.next(),
                            Files.createTempFile("portrait-redis-", ".log"),
                            password);
            r.startProcess();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static File executable() throws IOException {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                File f = new File(dir, "redis-server");
                if (f.canExecute()) {
                    return f;
                }
            }
        }
        return ExecutableProvider.newJarResourceProvider().get();
    }

    /** Where the server came from: the system binary or the one shipped in the jar. */
    public String executablePath() {
        return executable.getAbsolutePath();
    }

    public synchronized void startProcess() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            List<String> command =
                    new java.util.ArrayList<>(
                            List.of(
                                    executable.getAbsolutePath(),
                                    "--port",
                                    Integer.toString(port),
                                    "--bind",
                                    "127.0.0.1",
                                    "--save",
                                    "",
                                    "--appendonly",
                                    "no",
                                    "--protected-mode",
                                    "no"));
            command.addAll(extraArgs);
            process =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                            .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + executable, e);
        }
        awaitPing(Duration.ofSeconds(20));
    }

    private void awaitPing(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "redis-server exited with " + process.exitValue() + "; see " + logFile);
            }
            try (Jedis j = RedisConnections.open(address(), password, "portrait-ping", 500)) {
                if ("PONG".equals(j.ping())) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // Still starting.
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("redis-server did not answer PING; see " + logFile);
    }

    /** Kills the server (like a crash); {@link #startProcess()} brings it back on the same port. */
    public synchronized void stopProcess() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Freezes the server (SIGSTOP): connections hang, nothing is lost — an outage for tests. */
    public void pause() {
        signal("-STOP");
    }

    /** Thaws a paused server (SIGCONT). */
    public void resume() {
        signal("-CONT");
    }

    private void signal(String sig) {
        try {
            int rc =
                    new ProcessBuilder("kill", sig, Long.toString(process.pid()))
                            .inheritIO()
                            .start()
                            .waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill " + sig + " failed with " + rc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public RedisAddress address() {
        return RedisAddress.parse(url(), "redis");
    }

    @Override
    public void close() {
        stopProcess();
    }
}
