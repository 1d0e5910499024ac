package io.portrait.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.api.ApiServer;
import io.portrait.api.ProfileReader;
import io.portrait.config.PortraitConfig;
import io.portrait.demo.RedisServerProcess;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.ProfileRecord;
import io.portrait.sink.RedisConnections;
import io.portrait.sink.RedisProfileStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import redis.clients.jedis.UnifiedJedis;

/**
 * Latency of {@code GET /profiles/{id}} (bench/api-latency.sh): a real redis-server holding {@code
 * users} rendered profile documents (a user after 200 events each, ≈ 2 KB), the API with token
 * authentication on, and closed-loop clients (JDK HttpClient, keep-alive) asking for random users,
 * at 1 and at 4 concurrent clients; a direct Redis GET of the same keys from the same JVM is the
 * floor. Prints p50/p99/p99.9/max and throughput; writes bench/results/api-latency.json.
 */
public final class ApiLatency {
    static final String TOKEN = "bench-token-0123456789abcdef";

    public static void main(String[] args) throws Exception {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        out.put("date", Instant.now().toString());
        out.put("users", users);
        out.put("seconds_per_run", seconds);
        ArrayNode runs = out.putArray("runs");
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            PortraitConfig config = PortraitConfig.defaults();
            CoreFeatures core = io.portrait.testing.TestProfiles.core(200, 5);
            String doc = DocumentBenchmark.render(config, core);
            out.put("document_bytes", doc.length());
            try (RedisProfileStore store = new RedisProfileStore(redis.address(), null)) {
                List<ProfileRecord> batch = new ArrayList<>();
                for (int u = 0; u < users; u++) {
                    batch.add(
                            new ProfileRecord(
                                    "u-" + u,
                                    1L,
                                    200,
                                    doc.replace("\"u-42\"", "\"u-" + u + "\""),
                                    false));
                    if (batch.size() == 500 || u == users - 1) {
                        store.write(batch, 0, 0);
                        batch.clear();
                    }
                }
            }
            try (ApiServer api =
                    new ApiServer(
                            new ProfileReader(redis.address(), null),
                            TOKEN,
                            null,
                            Clock.systemUTC())) {
                String base = "http://127.0.0.1:" + api.start("127.0.0.1", 0);
                HttpClient http =
                        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (int clients : new int[] {1, 4}) {
                    // Warm-up (JIT, connections), then the measured run.
                    measure(clients, seconds / 2, users, u -> get(http, base, u));
                    long[] l = measure(clients, seconds, users, u -> get(http, base, u));
                    runs.add(report(json, "GET /profiles/{id}", clients, seconds, l));
                }
                try (UnifiedJedis j =
                        RedisConnections.client(redis.address(), null, "bench", 2_000)) {
                    measure(1, seconds / 2, users, u -> j.get("portrait:profile:u-" + u).length());
                    long[] l =
                            measure(
                                    1,
                                    seconds,
                                    users,
                                    u -> j.get("portrait:profile:u-" + u).length());
                    runs.add(report(json, "Redis GET (floor)", 1, seconds, l));
                }
            }
        }
        Path results = Path.of("bench/results");
        Files.createDirectories(results);
        Files.writeString(
                results.resolve("api-latency.json"),
                json.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
        System.exit(0);
    }

    interface Call {
        int run(int user) throws Exception;
    }

    static int get(HttpClient http, String base, int user) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + "/profiles/u-" + user))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET u-" + user + ": " + r.statusCode() + " " + r.body());
        }
        return r.body().length();
    }

    /** Latencies (ns) of every call made by {@code clients} closed loops for {@code seconds}. */
    static long[] measure(int clients, int seconds, int users, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int seed = c;
            futures.add(
                    pool.submit(
                            () -> {
                                Random r = new Random(seed);
                                long[] l = new long[1 << 16];
                                int n = 0;
                                while (System.nanoTime() < end) {
                                    long t = System.nanoTime();
                                    call.run(r.nextInt(users));
                                    if (n == l.length) {
                                        l = Arrays.copyOf(l, n * 2);
                                    }
                                    l[n++] = System.nanoTime() - t;
                                }
                                return Arrays.copyOf(l, n);
                            }));
        }
        long[] all = new long[0];
        for (Future<long[]> f : futures) {
            long[] l = f.get();
            long[] merged = Arrays.copyOf(all, all.length + l.length);
            System.arraycopy(l, 0, merged, all.length, l.length);
            all = merged;
        }
        pool.shutdown();
        Arrays.sort(all);
        return all;
    }

    static ObjectNode report(ObjectMapper json, String what, int clients, int seconds, long[] l) {
        ObjectNode o = json.createObjectNode();
        o.put("what", what);
        o.put("clients", clients);
        o.put("requests", l.length);
        o.put("per_s", Math.round(l.length / (double) seconds));
        o.put("p50_ms", ms(l, 0.5));
        o.put("p99_ms", ms(l, 0.99));
        o.put("p999_ms", ms(l, 0.999));
        o.put("max_ms", Math.round(l[l.length - 1] / 1e4) / 100.0);
        System.out.printf(
                "%-22s clients %d: %,d requests (%,d/s)  p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.2f ms%n",
                what,
                clients,
                l.length,
                l.length / seconds,
                o.get("p50_ms").asDouble(),
                o.get("p99_ms").asDouble(),
                o.get("p999_ms").asDouble(),
                o.get("max_ms").asDouble());
        return o;
    }

    static double ms(long[] sorted, double q) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return Math.round(sorted[Math.max(0, i)] / 1e3) / 1e3;
    }
}
