package io.portrait.config;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A parsed Redis address: {@code redis://host:port[/db]} for one server, {@code
 * redis-cluster://host:port} for a Redis Cluster (any node; the others are discovered), and {@code
 * rediss://} / {@code rediss-cluster://} for the same over TLS (the JVM's trust store, {@code
 * javax.net.ssl.trustStore}, decides which certificates are trusted). A password never travels in
 * the URL: it comes from the environment variable {@value #PASSWORD_ENV}.
 */
public record RedisAddress(String host, int port, int database, boolean cluster, boolean tls)
        implements Serializable {

    /** One plaintext server. */
    public RedisAddress(String host, int port, int database) {
        this(host, port, database, false, false);
    }

    public static final String PASSWORD_ENV = "PORTRAIT_REDIS_PASSWORD";

    public static RedisAddress parse(String url, String what) {
        URI uri;
        try {
            uri = new URI(url.contains("://") ? url : "redis://" + url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    what + " '" + url + "' is not a URL; write redis://host:port[/db].");
        }
        String scheme = uri.getScheme();
        if (!java.util.Set.of("redis", "rediss", "redis-cluster", "rediss-cluster")
                .contains(scheme)) {
            throw new IllegalArgumentException(
                    what
                            + " '"
                            + url
                            + "' must start with redis://, rediss:// (TLS), redis-cluster:// or"
                            + " rediss-cluster://.");
        }
        boolean cluster = scheme.endsWith("-cluster");
        boolean tls = scheme.startsWith("rediss");
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException(
                    what
                            + " must not carry credentials; set the environment variable "
                            + PASSWORD_ENV
                            + " instead.");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(
                    what + " '" + url + "' has no host; write redis://host:port[/db].");
        }
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        int db = 0;
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                db = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        what + " '" + url + "': the database after '/' must be a number.");
            }
        }
        if (cluster && db != 0) {
            throw new IllegalArgumentException(
                    what
                            + " '"
                            + url
                            + "': a Redis Cluster has only database 0; drop the /"
                            + db
                            + ".");
        }
        return new RedisAddress(uri.getHost(), port, db, cluster, tls);
    }

    /** The password from the environment, or null. */
    public static String passwordFromEnvironment() {
        String p = System.getenv(PASSWORD_ENV);
        return p == null || p.isEmpty() ? null : p;
    }

    @Override
    public String toString() {
        return (tls ? "rediss" : "redis")
                + (cluster ? "-cluster" : "")
                + "://"
                + host
                + ":"
                + port
                + (database == 0 ? "" : "/" + database);
    }
}
