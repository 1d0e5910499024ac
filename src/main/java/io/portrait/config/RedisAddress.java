package io.portrait.config;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A parsed {@code redis://host:port[/db]} address. A password never travels in the URL: it comes
 * from the environment variable {@value #PASSWORD_ENV}.
 */
public record RedisAddress(String host, int port, int database) implements Serializable {

    public static final String PASSWORD_ENV = "PORTRAIT_REDIS_PASSWORD";

    public static RedisAddress parse(String url, String what) {
        URI uri;
        try {
            uri = new URI(url.contains("://") ? url : "redis://" + url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    what + " '" + url + "' is not a URL; write redis://host:port[/db].");
        }
        if (!"redis".equals(uri.getScheme())) {
            throw new IllegalArgumentException(
                    what + " '" + url + "' must start with redis:// (TLS is not supported yet).");
        }
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
        return new RedisAddress(uri.getHost(), port, db);
    }

    /** The password from the environment, or null. */
    public static String passwordFromEnvironment() {
        String p = System.getenv(PASSWORD_ENV);
        return p == null || p.isEmpty() ? null : p;
    }

    @Override
    public String toString() {
        return "redis://" + host + ":" + port + (database == 0 ? "" : "/" + database);
    }
}
