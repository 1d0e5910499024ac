package io.portrait.cli;

import io.portrait.api.ApiServer;
import io.portrait.config.PortraitConfig;
import io.portrait.config.RedisAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code portrait serve}: the read API and dashboard alone, over the Redis the job writes to. A
 * token is required (PORTRAIT_API_TOKEN or --token-file): only the demo runs without one.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serve the read API and the dashboard over the profiles in Redis (docs/api.md).",
            "Requires an API token: the environment variable "
                    + ServeCommand.TOKEN_ENV
                    + " or --token-file."
        })
public final class ServeCommand implements Callable<Integer> {
    static final String TOKEN_ENV = "PORTRAIT_API_TOKEN";

    @Mixin ConfigOptionsMixin settings;

    @Option(
            names = "--port",
            defaultValue = "8080",
            description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--host",
            defaultValue = "0.0.0.0",
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "A file holding the API token (instead of " + TOKEN_ENV + ").")
    Path tokenFile;

    @Override
    public Integer call() throws Exception {
        String token = token(tokenFile, System.getenv(TOKEN_ENV));
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port must be from 0 to 65535, not " + port);
        }
        PortraitConfig config = settings.toConfig(Map.of());
        RedisAddress redis = RedisAddress.parse(config.redisUrl(), "--redis-url");
        ApiServer server = ApiServer.over(config, token, settings.kafkaBootstrap != null);
        int bound = server.start(host, port);
        System.out.println(
                "api: http://" + displayHost(host) + ":" + bound + "/ (redis " + redis + ")");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    server.close();
                                    stop.countDown();
                                }));
        stop.await();
        return 0;
    }

    static String displayHost(String host) {
        return host.equals("0.0.0.0") ? "localhost" : host;
    }

    /** The token from the file, else from the environment; refuses to run without one. */
    static String token(Path file, String fromEnv) {
        String token = fromEnv;
        if (file != null) {
            try {
                token = Files.readString(file).trim();
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "Cannot read --token-file " + file + ": " + e.getMessage());
            }
        }
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException(
                    "portrait serve needs an API token: set "
                            + TOKEN_ENV
                            + " or pass --token-file FILE (only portrait demo runs without one).");
        }
        if (token.trim().length() < 16) {
            throw new IllegalArgumentException(
                    "The API token is too short: use at least 16 characters (e.g. openssl rand"
                            + " -hex 24).");
        }
        return token.trim();
    }
}
