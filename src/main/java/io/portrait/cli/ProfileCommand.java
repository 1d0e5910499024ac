package io.portrait.cli;

import io.portrait.config.RedisAddress;
import io.portrait.sink.RedisConnections;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import redis.clients.jedis.UnifiedJedis;

/** {@code portrait profile get <user>}: read a profile from the key-value store. */
@Command(
        name = "profile",
        mixinStandardHelpOptions = true,
        description = "Read profiles from Redis.",
        subcommands = {ProfileCommand.Get.class})
public final class ProfileCommand implements Runnable {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "Name a subcommand: get <user_id>.");
    }

    /** Prints one user's profile, readable or as JSON; exit code 1 if there is none. */
    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            description = "Print one profile: a readable summary, or the stored JSON with --json.")
    public static final class Get implements Callable<Integer> {
        @Option(names = "--json", description = "Print the stored JSON document unchanged.")
        boolean json;

        @Parameters(paramLabel = "USER_ID", description = "The user_id of the profile.")
        String userId;

        @Option(
                names = "--redis-url",
                defaultValue = "redis://localhost:6379",
                description = "redis://host:port[/db] (default: ${DEFAULT-VALUE}).")
        String redisUrl;

        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            RedisAddress a = RedisAddress.parse(redisUrl, "--redis-url");
            try (UnifiedJedis j = RedisConnections.client(a, "portrait-cli", 5000)) {
                String doc = io.portrait.api.ProfileReader.read(j, userId);
                if (doc == null) {
                    spec.commandLine()
                            .getErr()
                            .println("No profile for user '" + userId + "' at " + a);
                    return 1;
                }
                spec.commandLine().getOut().print(json ? doc + "\n" : ProfileText.render(doc));
                spec.commandLine().getOut().flush();
                return 0;
            }
        }
    }
}
