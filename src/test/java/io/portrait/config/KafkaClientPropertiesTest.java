package io.portrait.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientPropertiesTest {
    @TempDir Path dir;

    private Path file(String text) throws Exception {
        Path f = dir.resolve("client.properties");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void resolvesEnvironmentVariablesInValues() throws Exception {
        Path f =
                file(
                        "security.protocol=SASL_SSL\n"
                                + "sasl.mechanism=SCRAM-SHA-512\n"
                                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule"
                                + " required username=\\\"${KAFKA_USER}\\\" password=\\\"${KAFKA_PASSWORD}\\\";\n"
                                + "ssl.truststore.location=/etc/kafka/truststore.p12\n");
        Properties p =
                KafkaClientProperties.load(
                        f.toString(),
                        Map.of("KAFKA_USER", "portrait", "KAFKA_PASSWORD", "pa$$w\\0rd")::get);
        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("sasl.jaas.config"))
                .isEqualTo(
                        "org.apache.kafka.common.security.scram.ScramLoginModule required"
                                + " username=\"portrait\" password=\"pa$$w\\0rd\";");
        assertThat(p.getProperty("ssl.truststore.location")).isEqualTo("/etc/kafka/truststore.p12");
    }

    @Test
    void anUnsetVariableIsNamed() throws Exception {
        Path f = file("sasl.jaas.config=x password=\"${NOT_THERE}\";\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(f.toString(), k -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sasl.jaas.config")
                .hasMessageContaining("NOT_THERE")
                .hasMessageContaining("not set");
    }

    @Test
    void settingsPortraitOwnsAreRefused() throws Exception {
        Path f = file("bootstrap.servers=elsewhere:9092\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(f.toString(), k -> null))
                .hasMessageContaining("bootstrap.servers")
                .hasMessageContaining("portrait.kafka.bootstrap-servers");
        Path g = file("group.id=mine\n");
        assertThatThrownBy(() -> KafkaClientProperties.load(g.toString(), k -> null))
                .hasMessageContaining("group.id");
    }

    @Test
    void aMissingFileFailsAtConfigurationTime() {
        assertThatThrownBy(
                        () ->
                                PortraitConfig.defaults()
                                        .with(
                                                Map.of(
                                                        "portrait.kafka.properties-file",
                                                        dir.resolve("nope.properties").toString())))
                .hasMessageContaining("portrait.kafka.properties-file")
                .hasMessageContaining("nope.properties");
    }

    @Test
    void noFileMeansOnlyTheBootstrapServers() {
        Properties p = PortraitConfig.defaults().kafkaClientProperties();
        assertThat(p.stringPropertyNames()).containsExactly("bootstrap.servers");
    }
}
