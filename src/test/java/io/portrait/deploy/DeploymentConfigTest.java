package io.portrait.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.portrait.config.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;

/**
 * What can be checked without a Docker engine or a Kubernetes API: every YAML parses, the resources
 * have their required fields, and image, jar path, entry point, topics and cluster settings agree
 * across flink-conf/, k8s/, the Dockerfile and docker-compose.yml.
 */
class DeploymentConfigTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String JAR = "/opt/flink/usrlib/portrait-job.jar";
    static final Set<String> TOPICS =
            Set.of(
                    Topics.EVENTS,
                    Topics.EVENTS_DLQ,
                    Topics.ALERTS,
                    Topics.ALERTS_CEP,
                    Topics.CHANGES,
                    Topics.CONTROL,
                    Topics.CONTROL_DLQ);

    static List<JsonNode> documents(String path) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser p =
                new YAMLFactory().createParser(Files.newBufferedReader(Path.of(path)))) {
            var it = YAML.readValues(p, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isEmpty()) {
                    docs.add(n);
                }
            }
        }
        return docs;
    }

    @Test
    void everyManifestParsesAndHasItsRequiredFields() throws IOException {
        try (var files = Files.list(Path.of("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                List<JsonNode> docs = documents(f.toString());
                assertThat(docs).as(f.toString()).isNotEmpty();
                for (JsonNode d : docs) {
                    assertThat(d.path("apiVersion").asText()).as(f + " apiVersion").isNotEmpty();
                    assertThat(d.path("kind").asText()).as(f + " kind").isNotEmpty();
                    assertThat(d.path("metadata").path("name").asText())
                            .as(f + " name")
                            .isNotEmpty();
                }
            }
        }
    }

    @Test
    void theFlinkDeploymentRunsTheJobJarWithSavepointUpgradesAndHa() throws IOException {
        JsonNode fd = documents("k8s/flinkdeployment.yaml").get(0);
        assertThat(fd.path("kind").asText()).isEqualTo("FlinkDeployment");
        JsonNode spec = fd.path("spec");
        assertThat(spec.path("image").asText()).isEqualTo(composeImage());
        assertThat(spec.path("job").path("jarURI").asText()).isEqualTo("local://" + JAR);
        assertThat(spec.path("job").path("entryClass").asText())
                .isEqualTo("io.portrait.cli.JobCommand");
        assertThat(spec.path("job").path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(spec.path("job").path("parallelism").asInt()).isPositive();
        JsonNode conf = spec.path("flinkConfiguration");
        assertThat(conf.path("high-availability.type").asText()).isEqualTo("kubernetes");
        assertThat(conf.path("execution.checkpointing.dir").asText()).startsWith("s3://");
        assertThat(conf.path("execution.checkpointing.savepoint-dir").asText()).startsWith("s3://");
        assertThat(conf.path("state.changelog.dstl.dfs.base-path").asText()).startsWith("s3://");
        // The settings the job relies on agree with flink-conf/config.yaml.
        Configuration cluster = GlobalConfiguration.loadConfiguration("flink-conf");
        for (String key :
                List.of(
                        "state.backend.type",
                        "execution.checkpointing.incremental",
                        "state.changelog.enabled",
                        "state.changelog.storage",
                        "state.changelog.periodic-materialize.interval",
                        "state.backend.rocksdb.use-bloom-filter",
                        "execution.checkpointing.mode",
                        "execution.checkpointing.interval",
                        "execution.checkpointing.tolerable-failed-checkpoints",
                        "pipeline.generic-types",
                        "pipeline.auto-generate-uids",
                        "restart-strategy.type",
                        "metrics.reporter.prom.factory.class",
                        "state.backend.rocksdb.metrics.estimate-live-data-size",
                        "state.backend.rocksdb.metrics.total-sst-files-size",
                        "state.backend.rocksdb.metrics.estimate-num-keys")) {
            assertThat(conf.path(key).asText()).as(key).isEqualTo(cluster.getString(key, null));
        }
        // Secrets never on the command line.
        assertThat(spec.path("job").path("args").toString()).doesNotContainIgnoringCase("password");
    }

    @Test
    void topicsAgreeWithTheJob() throws IOException {
        Set<String> k8s = new TreeSet<>();
        for (JsonNode t : documents("k8s/topics.yaml")) {
            assertThat(t.path("kind").asText()).isEqualTo("KafkaTopic");
            k8s.add(t.path("metadata").path("name").asText());
            if (t.path("metadata").path("name").asText().equals(Topics.CONTROL)) {
                assertThat(t.path("spec").path("config").path("cleanup.policy").asText())
                        .isEqualTo("compact");
            }
        }
        assertThat(k8s).isEqualTo(new TreeSet<>(TOPICS));
        String compose = Files.readString(Path.of("docker-compose.yml"));
        for (String topic : TOPICS) {
            assertThat(compose).contains("--topic " + topic + " ");
        }
        assertThat(compose)
                .contains(
                        "--topic portrait.control --partitions 1 --config cleanup.policy=compact");
    }

    @Test
    void composeBuildsTheImageWithTheJarAndMountsFlinkConf() throws IOException {
        JsonNode compose = documents("docker-compose.yml").get(0);
        JsonNode services = compose.path("services");
        for (String s :
                List.of(
                        "kafka",
                        "topics",
                        "redis",
                        "jobmanager",
                        "taskmanager",
                        "submit",
                        "generator")) {
            assertThat(services.has(s)).as("service " + s).isTrue();
        }
        assertThat(services.path("kafka").path("image").asText()).startsWith("apache/kafka:4.2");
        assertThat(services.path("kafka").path("environment").path("KAFKA_PROCESS_ROLES").asText())
                .isEqualTo("broker,controller");
        assertThat(services.path("jobmanager").path("volumes").toString())
                .contains("./flink-conf/config.yaml:/opt/flink/conf/config.yaml");
        assertThat(services.path("submit").path("command").toString()).contains(JAR);
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile)
                .contains("FROM flink:2.2")
                .contains("java17")
                .contains("target/portrait-job.jar " + JAR);
        assertThat(composeImage()).isEqualTo(services.path("generator").path("image").asText());
    }

    /** The read API runs `serve` from the job's image, token from a Secret, probed on /health. */
    @Test
    void theApiRunsServeFromTheImageWithItsTokenFromASecret() throws IOException {
        JsonNode deployment = documents("k8s/api.yaml").get(0);
        JsonNode c =
                deployment.path("spec").path("template").path("spec").path("containers").get(0);
        assertThat(c.path("image").asText()).isEqualTo(composeImage());
        assertThat(c.path("command").toString())
                .contains(JAR)
                .contains(io.portrait.cli.PortraitCli.class.getName());
        assertThat(c.path("args").get(0).asText()).isEqualTo("serve");
        assertThat(c.path("args").toString()).doesNotContainIgnoringCase("token");
        assertThat(c.path("env").get(0).path("name").asText()).isEqualTo("PORTRAIT_API_TOKEN");
        assertThat(c.path("env").get(0).path("valueFrom").has("secretKeyRef")).isTrue();
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText())
                .isEqualTo("/health");
        // Same Redis and Kafka as the job.
        String jobArgs =
                documents("k8s/flinkdeployment.yaml")
                        .get(0)
                        .path("spec")
                        .path("job")
                        .path("args")
                        .toString();
        for (JsonNode a : c.path("args")) {
            if (a.asText().startsWith("redis://") || a.asText().contains(":9092")) {
                assertThat(jobArgs).contains(a.asText());
            }
        }
        JsonNode api = documents("docker-compose.yml").get(0).path("services").path("api");
        assertThat(api.path("image").asText()).isEqualTo(composeImage());
        assertThat(api.path("command").get(0).asText()).isEqualTo("serve");
        assertThat(api.path("entrypoint").toString()).contains(JAR);
        // Every option the manifests pass exists: picocli parses them.
        for (JsonNode args : List.of(c.path("args"), api.path("command"))) {
            List<String> argv = new java.util.ArrayList<>();
            args.forEach(a -> argv.add(a.asText()));
            io.portrait.cli.PortraitCli.newCommandLine().parseArgs(argv.toArray(String[]::new));
        }
    }

    static String composeImage() throws IOException {
        return documents("docker-compose.yml")
                .get(0)
                .path("services")
                .path("jobmanager")
                .path("image")
                .asText();
    }
}
