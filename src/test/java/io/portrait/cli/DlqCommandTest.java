package io.portrait.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.demo.EmbeddedKafka;
import io.portrait.demo.Summary;
import io.portrait.event.Ingested;
import io.portrait.ingest.DeadLetterSerializer;
import io.portrait.ingest.EventParser;
import io.portrait.testing.CheckedProducer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portrait dlq inspect|redrive} against a real broker: dead letters made by the job's own
 * parser and DLQ serializer are counted by reason and written out; fixed lines go back to the
 * events topic, and lines still invalid are refused, counted and not sent.
 */
class DlqCommandTest {
    static EmbeddedKafka kafka;
    static PortraitConfig config;

    static final String GOOD =
            "{\"event_id\":\"e%d\",\"user_id\":\"u%d\",\"type\":\"view\",\"ts\":\"2026-11-30T10:00:00Z\"}";

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        config =
                PortraitConfig.defaults()
                        .with(Map.of("portrait.kafka.bootstrap-servers", kafka.bootstrapServers()));
        EmbeddedKafka.createPortraitTopics(config, 2, (short) 1);
        EventParser parser = new EventParser(config);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String good = String.format(GOOD, i, i);
            bad.add(good.substring(0, good.length() - 7)); // truncated_json
        }
        bad.add(
                "{\"event_id\":\"x\",\"user_id\":\"u9\",\"type\":\"teleport\",\"ts\":\"2026-11-30T10:00:00Z\"}");
        bad.add("not json at all");
        try (CheckedProducer p = CheckedProducer.bulk(kafka.bootstrapServers())) {
            long offset = 0;
            for (String b : bad) {
                Ingested in =
                        parser.parse(
                                null,
                                b.getBytes(StandardCharsets.UTF_8),
                                new EventParser.Source(config.eventsTopic(), 0, offset++),
                                System.currentTimeMillis());
                assertThat(in.isEvent()).as(b).isFalse();
                p.send(
                        new ProducerRecord<>(
                                config.dlqTopic(),
                                null,
                                DeadLetterSerializer.json(in.deadLetter())));
            }
            p.flush();
        }
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static String run(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        var cli = PortraitCli.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--kafka-bootstrap");
        all.add(kafka.bootstrapServers());
        assertThat(cli.execute(all.toArray(String[]::new)))
                .as(out.toString())
                .isEqualTo(expectedExit);
        return out.toString();
    }

    @Test
    void inspectCountsByReasonAndWritesTheRecordsToFix(@TempDir Path dir) throws Exception {
        String all = run(0, "dlq", "inspect", "--samples", "1");
        assertThat(all).contains("7 dead letters");
        assertThat(all).containsPattern("truncated_json +5");
        assertThat(all).containsPattern("unknown_type +1");
        assertThat(all).containsPattern("not_json +1");
        assertThat(all).contains("not json at all");

        Path out = dir.resolve("truncated.jsonl");
        String some =
                run(
                        0,
                        "dlq",
                        "inspect",
                        "--reason",
                        "truncated_json",
                        "--out",
                        out.toString(),
                        "--json");
        assertThat(some).contains("\"total\":5").contains("wrote 5 records");
        assertThat(Files.readAllLines(out))
                .hasSize(5)
                .allMatch(l -> l.startsWith("{\"event_id\":\"e"));
    }

    @Test
    void redriveSendsOnlyWhatTheJobWouldAccept(@TempDir Path dir) throws Exception {
        Path fixed = dir.resolve("fixed.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            lines.add(String.format(GOOD, 100 + i, i));
        }
        lines.add("{\"event_id\":\"still\",\"user_id\":\"u1\",\"type\":\"view\""); // still cut
        Files.write(fixed, lines);
        long before = Summary.recordsIn(kafka.bootstrapServers(), config.eventsTopic());

        String dry = run(1, "dlq", "redrive", "--file", fixed.toString(), "--dry-run");
        assertThat(dry)
                .contains("4 of 5 records valid (dry run, nothing sent)")
                .contains("line 5: truncated_json");
        assertThat(Summary.recordsIn(kafka.bootstrapServers(), config.eventsTopic()))
                .isEqualTo(before);

        String sent = run(1, "dlq", "redrive", "--file", fixed.toString());
        assertThat(sent)
                .contains(
                        "4 of 5 records sent to portrait.events; 1 still invalid {truncated_json=1}");
        assertThat(Summary.recordsIn(kafka.bootstrapServers(), config.eventsTopic()))
                .isEqualTo(before + 4);

        // By reason, unchanged: an unknown type is still unknown, so nothing is sent.
        String byReason = run(1, "dlq", "redrive", "--reason", "unknown_type");
        assertThat(byReason).contains("0 of 1 records sent").contains("{unknown_type=1}");
        run(2, "dlq", "redrive");
    }
}
