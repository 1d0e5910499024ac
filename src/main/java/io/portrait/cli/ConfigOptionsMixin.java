package io.portrait.cli;

import io.portrait.config.PortraitConfig;
import io.portrait.config.PortraitOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** Settings shared by commands that run or reach the job: a file, -D overrides, connections. */
public final class ConfigOptionsMixin {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "A properties file of portrait.* settings (key=value).")
    Path configFile;

    @Option(
            names = "-D",
            paramLabel = "KEY=VALUE",
            description = "Set a portrait.* setting, e.g. -D portrait.flush.interval=200ms.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(
            names = "--kafka-bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (overrides portrait.kafka.bootstrap-servers).")
    String kafkaBootstrap;

    @Option(
            names = "--redis-url",
            paramLabel = "URL",
            description =
                    "redis://host:port[/db]; a password comes only from the environment variable"
                            + " PORTRAIT_REDIS_PASSWORD.")
    String redisUrl;

    /** The validated configuration: file, then -D, then the connection options. */
    public PortraitConfig toConfig(Map<String, String> defaults) {
        Configuration conf = new Configuration();
        defaults.forEach(conf::setString);
        if (configFile != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(configFile)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "Cannot read --config " + configFile + ": " + e.getMessage());
            }
            p.forEach((k, v) -> conf.setString(k.toString().trim(), v.toString().trim()));
        }
        overrides.forEach(conf::setString);
        if (kafkaBootstrap != null) {
            conf.set(PortraitOptions.KAFKA_BOOTSTRAP, kafkaBootstrap);
        }
        if (redisUrl != null) {
            conf.set(PortraitOptions.REDIS_URL, redisUrl);
        }
        return PortraitConfig.from(conf);
    }
}
