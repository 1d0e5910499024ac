package io.portrait.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka client settings for every client portrait creates (the job's sources and sinks, the CLI's
 * producers, consumers and admin clients), from the properties file named by {@code
 * portrait.kafka.properties-file}: security.protocol, sasl.*, ssl.* and any other client setting. A
 * value may refer to environment variables as {@code ${NAME}}, so a password lives in the
 * environment (or a Kubernetes Secret mapped into it), never in the file, on a command line or in a
 * log — Kafka's clients print password-typed settings as {@code [hidden]}.
 */
public final class KafkaClientProperties {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    /** Settings portrait owns per client; a file must not override them. */
    private static final Set<String> OWNED =
            Set.of(
                    "bootstrap.servers",
                    "group.id",
                    "transactional.id",
                    "key.serializer",
                    "value.serializer",
                    "key.deserializer",
                    "value.deserializer");

    private KafkaClientProperties() {}

    /** The file's settings with variables resolved from the process environment. */
    public static Properties load(String file) {
        return load(file, System::getenv);
    }

    /**
     * @param file a properties file, or null/blank for none (empty result)
     * @param env how to resolve {@code ${NAME}}; null means unset
     * @throws IllegalArgumentException naming what to fix
     */
    public static Properties load(String file, UnaryOperator<String> env) {
        Properties out = new Properties();
        if (file == null || file.isBlank()) {
            return out;
        }
        Path path = Path.of(file);
        Properties raw = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            raw.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "portrait.kafka.properties-file: cannot read "
                            + path.toAbsolutePath()
                            + " ("
                            + e.getMessage()
                            + ")",
                    e);
        }
        for (String key : raw.stringPropertyNames()) {
            if (OWNED.contains(key)) {
                throw new IllegalArgumentException(
                        "portrait.kafka.properties-file "
                                + path
                                + " sets "
                                + key
                                + ", which portrait sets itself; remove it"
                                + (key.equals("bootstrap.servers")
                                        ? " and use portrait.kafka.bootstrap-servers"
                                        : "")
                                + ".");
            }
            out.setProperty(key, resolve(raw.getProperty(key), key, path, env));
        }
        return out;
    }

    private static String resolve(String value, String key, Path file, UnaryOperator<String> env) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = env.apply(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException(
                        "portrait.kafka.properties-file "
                                + file
                                + ": "
                                + key
                                + " refers to the environment variable "
                                + m.group(1)
                                + ", which is not set.");
            }
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString();
    }
}
