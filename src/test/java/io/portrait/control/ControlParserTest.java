package io.portrait.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ControlParserTest {

    static ControlRecord parse(String key, String value) {
        return ControlParser.parse(
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8),
                "portrait.control",
                0,
                7,
                1_000L);
    }

    static String setting(String id, String value, int version) {
        return "{\"kind\":\"setting\",\"id\":\""
                + id
                + "\",\"version\":"
                + version
                + ",\"created_at\":\"2026-11-30T06:00:00Z\",\"payload\":{\"value\":\""
                + value
                + "\"}}";
    }

    @Test
    void acceptsAValidSetting() {
        ControlRecord r = parse("setting:flush.interval", setting("flush.interval", "250 ms", 3));
        assertThat(r.deadLetter()).isNull();
        ControlMessage m = r.message();
        assertThat(m.key()).isEqualTo("setting:flush.interval");
        assertThat(m.version()).isEqualTo(3);
        assertThat(m.deleted()).isFalse();
        assertThat(Settings.FLUSH_INTERVAL.parse(ControlParser.readTree(m.payload())))
                .isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void acceptsIsoDurationsAndOtherKinds() {
        assertThat(parse("setting:dedup.horizon", setting("dedup.horizon", "PT2H", 1)).message())
                .isNotNull();
        assertThat(
                        parse(
                                        "rule:r1",
                                        "{\"kind\":\"rule\",\"id\":\"r1\",\"version\":1,\"payload\":"
                                                + "{\"aggregate\":{\"fn\":\"count\"},\"window\":\"PT1M\","
                                                + "\"threshold\":5}}")
                                .message())
                .isNotNull();
        // A rule the engine could not run goes to the control DLQ with the field to fix.
        ControlRecord bad =
                parse("rule:r1", "{\"kind\":\"rule\",\"id\":\"r1\",\"version\":1,\"payload\":{}}");
        assertThat(bad.message()).isNull();
        assertThat(bad.deadLetter().detail()).contains("aggregate must be an object");
    }

    @Test
    void aNullValueIsATombstone() {
        ControlMessage m = parse("setting:dedup.horizon", null).message();
        assertThat(m.deleted()).isTrue();
        assertThat(m.key()).isEqualTo("setting:dedup.horizon");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no key||{}|key must be",
                "not json|setting:x|{oops|Unexpected character",
                "unknown kind|colour:x|{\"kind\":\"colour\",\"id\":\"x\",\"version\":1,\"payload\":{}}|kind must be one of",
                "key mismatch|setting:a|{\"kind\":\"setting\",\"id\":\"dedup.horizon\",\"version\":1,\"payload\":{\"value\":\"1 h\"}}|does not match",
                "negative version|rule:r|{\"kind\":\"rule\",\"id\":\"r\",\"version\":-1,\"payload\":{}}|version must be",
                "payload not object|rule:r|{\"kind\":\"rule\",\"id\":\"r\",\"version\":1,\"payload\":3}|payload must be",
                "unknown setting|setting:speed|{\"kind\":\"setting\",\"id\":\"speed\",\"version\":1,\"payload\":{\"value\":\"1 s\"}}|unknown setting",
                "bad duration|setting:dedup.horizon|{\"kind\":\"setting\",\"id\":\"dedup.horizon\",\"version\":1,\"payload\":{\"value\":\"soon\"}}|not a duration",
                "too short|setting:dedup.horizon|{\"kind\":\"setting\",\"id\":\"dedup.horizon\",\"version\":1,\"payload\":{\"value\":\"1 ms\"}}|at least",
                "tombstone of unknown kind|colour:x||unknown kind"
            })
    void invalidRecordsBecomeDeadLetters(String name, String key, String value, String detail) {
        ControlRecord r = parse(key, value);
        assertThat(r.message()).isNull();
        assertThat(r.deadLetter().reason()).isEqualTo("invalid_control");
        assertThat(r.deadLetter().detail()).contains(detail);
        assertThat(r.deadLetter().sourceOffset()).isEqualTo(7);
    }
}
