package io.portrait.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portrait.cli.PortraitCli;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Ingested;
import io.portrait.ingest.EventParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The labelled scenario generator: valid events, the spec's users, deterministic, clear errors. */
class ScenariosTest {
    static final long END = 1_800_000_000_000L;
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyEventIsValidAndBeforeTheEndAndEveryEpisodeHasItsUsers() throws Exception {
        Scenarios.Stream s = Scenarios.generate(Scenarios.defaultSpec(), END);
        EventParser parser = new EventParser(PortraitConfig.defaults());
        Set<String> ids = new HashSet<>();
        long previous = Long.MIN_VALUE;
        for (Scenarios.Labelled e : s.events()) {
            Ingested in =
                    parser.parse(
                            e.userId().getBytes(StandardCharsets.UTF_8),
                            e.json(),
                            new EventParser.Source("t", 0, 0),
                            END);
            assertThat(in.deadLetter()).as(new String(e.json())).isNull();
            assertThat(e.ts()).isLessThan(END).isGreaterThanOrEqualTo(previous);
            previous = e.ts();
            assertThat(ids.add(e.eventId())).isTrue();
        }
        JsonNode spec = Scenarios.defaultSpec();
        Map<String, Integer> perEpisode = new HashMap<>();
        s.episodes().values().forEach(ep -> perEpisode.merge(ep, 1, Integer::sum));
        spec.get("episodes")
                .fields()
                .forEachRemaining(
                        ep ->
                                assertThat(perEpisode.get(ep.getKey()))
                                        .as(ep.getKey())
                                        .isEqualTo(ep.getValue().get("users").asInt()));
        assertThat(perEpisode.get("background"))
                .isEqualTo(spec.get("background").get("users").asInt());
        assertThat(s.rules())
                .containsExactly(
                        "account_takeover",
                        "bot_burst",
                        "card_testing",
                        "impossible_travel",
                        "many_devices",
                        "refund_abuse",
                        "spend_spike");
    }

    @Test
    void theSameSpecAndEndGiveTheSameStream() {
        List<Scenarios.Labelled> a = Scenarios.generate(Scenarios.defaultSpec(), END).events();
        List<Scenarios.Labelled> b = Scenarios.generate(Scenarios.defaultSpec(), END).events();
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i += 997) {
            assertThat(a.get(i).json()).isEqualTo(b.get(i).json());
        }
    }

    @Test
    void aWholesaleOrderIsOneOrderAndAnAirlinerIsSlowerThanSound() throws Exception {
        Scenarios.Stream s = Scenarios.generate(Scenarios.defaultSpec(), END);
        Map<String, Set<String>> orders = new HashMap<>();
        Map<String, List<JsonNode>> logins = new HashMap<>();
        for (Scenarios.Labelled e : s.events()) {
            JsonNode n = JSON.readTree(e.json());
            String episode = s.episodes().get(e.userId());
            if (episode.equals("wholesale_order") && n.get("type").asText().equals("purchase")) {
                orders.computeIfAbsent(e.userId(), u -> new HashSet<>())
                        .add(n.get("order_id").asText());
            }
            if (episode.equals("airliner_traveller") && n.get("type").asText().equals("login")) {
                logins.computeIfAbsent(e.userId(), u -> new java.util.ArrayList<>()).add(n);
            }
        }
        assertThat(orders).hasSize(30).allSatisfy((u, o) -> assertThat(o).hasSize(1));
        assertThat(logins)
                .hasSize(30)
                .allSatisfy(
                        (u, l) -> {
                            JsonNode a = l.get(0).get("geo");
                            JsonNode b = l.get(1).get("geo");
                            double km =
                                    io.portrait.anomaly.Detectors.km(
                                            a.get("lat").asDouble(),
                                            a.get("lon").asDouble(),
                                            b.get("lat").asDouble(),
                                            b.get("lon").asDouble());
                            double hours =
                                    (java.time.Instant.parse(l.get(1).get("ts").asText())
                                                            .toEpochMilli()
                                                    - java.time.Instant.parse(
                                                                    l.get(0).get("ts").asText())
                                                            .toEpochMilli())
                                            / 3_600_000.0;
                            assertThat(km / hours).isBetween(490.0, 960.0);
                        });
    }

    @Test
    void aBadSpecSaysWhatToFix(@TempDir Path dir) throws Exception {
        ObjectNode spec = (ObjectNode) Scenarios.defaultSpec().deepCopy();
        ((ObjectNode) spec.get("episodes")).putObject("teleporter").put("users", 1);
        assertThatThrownBy(() -> Scenarios.generate(spec, END))
                .hasMessageContaining("unknown episode 'teleporter'");
        ObjectNode range = (ObjectNode) Scenarios.defaultSpec().deepCopy();
        ((ObjectNode) range.get("episodes").get("card_testing"))
                .putArray("purchases")
                .add(9)
                .add(5);
        assertThatThrownBy(() -> Scenarios.generate(range, END))
                .hasMessageContaining("'purchases' must be [min, max]");

        Path out = dir.resolve("events.jsonl");
        Path labels = dir.resolve("labels.csv");
        StringWriter text = new StringWriter();
        var cli = PortraitCli.newCommandLine();
        cli.setOut(new PrintWriter(text));
        assertThat(
                        cli.execute(
                                "generate",
                                "--scenario",
                                "default",
                                "--out",
                                out.toString(),
                                "--labels-out",
                                labels.toString()))
                .isZero();
        long lines = Files.lines(out).count();
        assertThat(text.toString()).contains("generated " + lines + " scenario events");
        assertThat(Files.readAllLines(labels)).first().isEqualTo("user_id,episode,label");
        assertThat(Files.readAllLines(labels))
                .contains(
                        Files.readAllLines(labels).stream()
                                .filter(l -> l.endsWith(",card_testing,card_testing"))
                                .findFirst()
                                .orElseThrow());
    }
}
