package io.portrait.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.event.DeadLetter;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.event.Ingested;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventParserTest {

    static final long NOW = Instant.parse("2026-11-30T06:00:00Z").toEpochMilli();
    static final PortraitConfig CONFIG = PortraitConfig.defaults();
    static final EventParser PARSER = new EventParser(CONFIG);
    static final EventParser.Source SOURCE = new EventParser.Source("portrait.events", 1, 42L);
    static final Set<RejectReason> COVERED = EnumSet.noneOf(RejectReason.class);

    static final String VALID =
            "{\"event_id\":\"e-1\",\"user_id\":\"u-42\",\"type\":\"purchase\","
                    + "\"ts\":\"2026-11-30T05:00:00.123Z\",\"session_id\":\"s-9\",\"order_id\":\"o-77\","
                    + "\"item_id\":\"sku-1\",\"category\":\"shoes\",\"amount\":59.90,\"currency\":\"GBP\","
                    + "\"quantity\":1,\"device\":\"mobile\",\"ip\":\"203.0.113.7\",\"tz\":\"Europe/London\","
                    + "\"geo\":{\"lat\":51.5,\"lon\":-0.12,\"country\":\"GB\"},"
                    + "\"attrs\":{\"age\":34,\"gender\":\"f\"}}";

    static String with(String field, String json) {
        return VALID.replaceFirst(
                "\"" + field + "\":(\"[^\"]*\"|[^,}]*)", "\"" + field + "\":" + json);
    }

    static String without(String field) {
        return VALID.replaceFirst("\"" + field + "\":(\"[^\"]*\"|[^,}]*),", "");
    }

    static Stream<Arguments> rejects() {
        byte[] badUtf8 = VALID.getBytes(StandardCharsets.UTF_8).clone();
        badUtf8[30] = (byte) 0xFF;
        return Stream.of(
                Arguments.of("null value", null, RejectReason.EMPTY_RECORD),
                Arguments.of("zero bytes", new byte[0], RejectReason.EMPTY_RECORD),
                Arguments.of(
                        "oversized",
                        utf8(VALID.replace("}}", "},\"pad\":\"" + "x".repeat(70_000) + "\"}")),
                        RejectReason.OVERSIZED),
                Arguments.of("invalid UTF-8", badUtf8, RejectReason.INVALID_UTF8),
                Arguments.of("not JSON", utf8("hello world"), RejectReason.NOT_JSON),
                Arguments.of("trailing garbage", utf8(VALID + " {}"), RejectReason.NOT_JSON),
                Arguments.of(
                        "duplicate keys",
                        utf8(VALID.replace("{\"event_id\"", "{\"type\":\"view\",\"event_id\"")),
                        RejectReason.NOT_JSON),
                Arguments.of(
                        "truncated", utf8(VALID.substring(0, 60)), RejectReason.TRUNCATED_JSON),
                Arguments.of(
                        "truncated in a number",
                        utf8(VALID.substring(0, VALID.indexOf("59.") + 3)),
                        RejectReason.TRUNCATED_JSON),
                Arguments.of(
                        "truncated in a literal",
                        utf8("{\"event_id\":tr"),
                        RejectReason.TRUNCATED_JSON),
                Arguments.of("bare word", utf8("hello"), RejectReason.NOT_JSON),
                Arguments.of("array", utf8("[1,2]"), RejectReason.NOT_OBJECT),
                Arguments.of("number", utf8("42"), RejectReason.NOT_OBJECT),
                Arguments.of("no event_id", utf8(without("event_id")), RejectReason.MISSING_FIELD),
                Arguments.of("no user_id", utf8(without("user_id")), RejectReason.MISSING_USER),
                Arguments.of(
                        "null user_id", utf8(with("user_id", "null")), RejectReason.MISSING_USER),
                Arguments.of("no type", utf8(without("type")), RejectReason.MISSING_FIELD),
                Arguments.of("no ts", utf8(without("ts")), RejectReason.MISSING_FIELD),
                Arguments.of("null ts", utf8(with("ts", "null")), RejectReason.MISSING_FIELD),
                Arguments.of(
                        "numeric user_id", utf8(with("user_id", "42")), RejectReason.WRONG_TYPE),
                Arguments.of(
                        "amount as string",
                        utf8(with("amount", "\"59.90\"")),
                        RejectReason.WRONG_TYPE),
                Arguments.of(
                        "quantity fraction",
                        utf8(with("quantity", "1.5")),
                        RejectReason.WRONG_TYPE),
                Arguments.of(
                        "geo not object",
                        utf8(
                                VALID.replace(
                                        "{\"lat\":51.5,\"lon\":-0.12,\"country\":\"GB\"}",
                                        "\"GB\"")),
                        RejectReason.WRONG_TYPE),
                Arguments.of(
                        "empty user_id", utf8(with("user_id", "\"\"")), RejectReason.EMPTY_USER_ID),
                Arguments.of(
                        "blank user_id",
                        utf8(with("user_id", "\"   \"")),
                        RejectReason.EMPTY_USER_ID),
                Arguments.of(
                        "blank event_id",
                        utf8(with("event_id", "\" \"")),
                        RejectReason.EMPTY_EVENT_ID),
                Arguments.of(
                        "unknown type",
                        utf8(with("type", "\"teleport\"")),
                        RejectReason.UNKNOWN_TYPE),
                Arguments.of(
                        "type wrong case",
                        utf8(with("type", "\"Purchase\"")),
                        RejectReason.UNKNOWN_TYPE),
                Arguments.of(
                        "unparseable ts",
                        utf8(with("ts", "\"yesterday\"")),
                        RejectReason.BAD_TIMESTAMP),
                Arguments.of(
                        "ts without offset",
                        utf8(with("ts", "\"2026-11-30T05:00:00\"")),
                        RejectReason.BAD_TIMESTAMP),
                Arguments.of(
                        "fractional epoch", utf8(with("ts", "1.5e12")), RejectReason.BAD_TIMESTAMP),
                Arguments.of(
                        "far future",
                        utf8(with("ts", "\"2027-06-01T00:00:00Z\"")),
                        RejectReason.FUTURE_TIMESTAMP),
                Arguments.of(
                        "just past skew",
                        utf8(with("ts", Long.toString(NOW + 5 * 60_000 + 1))),
                        RejectReason.FUTURE_TIMESTAMP),
                Arguments.of(
                        "pre-2000",
                        utf8(with("ts", "\"1999-12-31T23:59:59Z\"")),
                        RejectReason.ANCIENT_TIMESTAMP),
                Arguments.of(
                        "epoch seconds (too small)",
                        utf8(with("ts", "1764480000")),
                        RejectReason.ANCIENT_TIMESTAMP),
                Arguments.of(
                        "negative amount",
                        utf8(with("amount", "-0.01")),
                        RejectReason.NEGATIVE_AMOUNT),
                Arguments.of(
                        "NaN amount", utf8(with("amount", "NaN")), RejectReason.INVALID_AMOUNT),
                Arguments.of(
                        "infinite amount",
                        utf8(with("amount", "Infinity")),
                        RejectReason.INVALID_AMOUNT),
                Arguments.of(
                        "huge amount", utf8(with("amount", "1e30")), RejectReason.INVALID_AMOUNT),
                Arguments.of(
                        "unknown currency",
                        utf8(with("currency", "\"ZZZ\"")),
                        RejectReason.UNKNOWN_CURRENCY),
                Arguments.of(
                        "negative quantity",
                        utf8(with("quantity", "-1")),
                        RejectReason.INVALID_QUANTITY),
                Arguments.of(
                        "zero quantity on a purchase",
                        utf8(with("quantity", "0")),
                        RejectReason.INVALID_QUANTITY),
                Arguments.of(
                        "negative quantity beats a negative amount",
                        utf8(with("quantity", "-2").replace("59.90", "-5")),
                        RejectReason.INVALID_QUANTITY),
                Arguments.of(
                        "latitude out of range",
                        utf8(VALID.replace("\"lat\":51.5", "\"lat\":91")),
                        RejectReason.INVALID_GEO),
                Arguments.of(
                        "bad tz", utf8(with("tz", "\"Mars/Olympus\"")), RejectReason.INVALID_TZ));
    }

    @ParameterizedTest(name = "{0} → {2}")
    @MethodSource("rejects")
    void rejectsWithReason(String name, byte[] value, RejectReason expected) {
        Ingested in = PARSER.parse(utf8("u-42"), value, SOURCE, NOW);

        assertThat(in.isEvent()).as("should be rejected").isFalse();
        DeadLetter dl = in.deadLetter();
        assertThat(dl.reason()).isEqualTo(expected.code());
        assertThat(dl.detail()).isNotBlank();
        assertThat(dl.sourceTopic()).isEqualTo("portrait.events");
        assertThat(dl.sourcePartition()).isEqualTo(1);
        assertThat(dl.sourceOffset()).isEqualTo(42L);
        assertThat(dl.ts()).isEqualTo(NOW);
        assertThat(dl.key()).isEqualTo("u-42");
        COVERED.add(expected);
    }

    @AfterAll
    static void everyReasonHasACase() {
        assertThat(COVERED).containsExactlyInAnyOrder(RejectReason.values());
    }

    @Test
    void parsesTheContractExample() {
        Ingested in = PARSER.parse(utf8("u-42"), utf8(VALID), SOURCE, NOW);

        assertThat(in.isEvent()).isTrue();
        Event e = in.event();
        assertThat(e.eventId()).isEqualTo("e-1");
        assertThat(e.userId()).isEqualTo("u-42");
        assertThat(e.type()).isEqualTo(EventType.PURCHASE);
        assertThat(e.ts()).isEqualTo(Instant.parse("2026-11-30T05:00:00.123Z").toEpochMilli());
        assertThat(e.amountMinor()).isEqualTo(5990L);
        assertThat(e.currency()).isEqualTo("GBP");
        assertThat(e.orderId()).isEqualTo("o-77");
        assertThat(e.lat()).isEqualTo(51.5);
        assertThat(e.country()).isEqualTo("GB");
        assertThat(e.age()).isEqualTo(34);
        assertThat(e.gender()).isEqualTo("f");
        assertThat(e.sourceOffset()).isEqualTo(42L);
    }

    @Test
    void acceptsEpochMillisAndOffsets() {
        long ms = Instant.parse("2026-11-30T05:00:00Z").toEpochMilli();
        assertThat(
                        PARSER.parse(null, utf8(with("ts", Long.toString(ms))), SOURCE, NOW)
                                .event()
                                .ts())
                .isEqualTo(ms);
        assertThat(PARSER.parse(null, utf8(with("ts", "\"" + ms + "\"")), SOURCE, NOW).event().ts())
                .isEqualTo(ms);
        assertThat(
                        PARSER.parse(
                                        null,
                                        utf8(with("ts", "\"2026-11-30T06:00:00+01:00\"")),
                                        SOURCE,
                                        NOW)
                                .event()
                                .ts())
                .isEqualTo(ms);
        assertThat(
                        PARSER.parse(
                                        null,
                                        utf8(with("ts", Long.toString(NOW + 5 * 60_000))),
                                        SOURCE,
                                        NOW)
                                .isEvent())
                .as("skew bound is inclusive")
                .isTrue();
    }

    @Test
    void convertsCurrenciesExactlyToBaseMinorUnits() {
        // 0.1 + 0.2 style sums must never go through binary floating point.
        assertThat(
                        PARSER.parse(null, utf8(with("amount", "0.10")), SOURCE, NOW)
                                .event()
                                .amountMinor())
                .isEqualTo(10L);
        Event eur =
                PARSER.parse(
                                null,
                                utf8(with("currency", "\"eur\"").replace("59.90", "100.00")),
                                SOURCE,
                                NOW)
                        .event();
        assertThat(eur.amountMinor()).isEqualTo(8500L); // 100 EUR × 0.85
        assertThat(eur.currency()).isEqualTo("EUR");
        Event noCurrency = PARSER.parse(null, utf8(without("currency")), SOURCE, NOW).event();
        assertThat(noCurrency.amountMinor())
                .as("a missing currency is the base currency")
                .isEqualTo(5990L);
        Event noAmount = PARSER.parse(null, utf8(without("amount")), SOURCE, NOW).event();
        assertThat(noAmount.amountMinor()).isNull();
    }

    @Test
    void optionalFieldsMayBeAbsentOrNull() {
        String minimal =
                "{\"event_id\":\"e\",\"user_id\":\"u\",\"type\":\"view\",\"ts\":1764478800000,\"geo\":null,\"attrs\":null}";
        Event e = PARSER.parse(null, utf8(minimal), SOURCE, NOW).event();
        assertThat(e.type()).isEqualTo(EventType.VIEW);
        assertThat(e.category()).isNull();
        assertThat(e.lat()).isNull();
    }

    @Test
    void deadLettersKeepTextOrBase64AndCutToTheCap() {
        DeadLetter text = PARSER.parse(null, utf8("not json ü"), SOURCE, NOW).deadLetter();
        assertThat(text.raw()).isEqualTo("not json ü");
        assertThat(text.rawB64()).isNull();
        assertThat(text.truncated()).isFalse();
        assertThat(text.key()).isNull();

        byte[] binary = {(byte) 0xFF, (byte) 0xFE, 'x'};
        DeadLetter b64 = PARSER.parse(null, binary, SOURCE, NOW).deadLetter();
        assertThat(b64.raw()).isNull();
        assertThat(Base64.getDecoder().decode(b64.rawB64())).isEqualTo(binary);

        String big = "é".repeat(50_000); // 100 000 bytes, 2 bytes per char
        DeadLetter cut = PARSER.parse(null, utf8(big), SOURCE, NOW).deadLetter();
        assertThat(cut.reason()).isEqualTo("oversized");
        assertThat(cut.truncated()).isTrue();
        assertThat(cut.raw().getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(CONFIG.dlqRawCapBytes());
        assertThat(cut.raw()).matches("é+");
    }

    @Test
    void deadLetterJsonHasTheContractShape() throws Exception {
        DeadLetter dl = PARSER.parse(utf8("u-1"), utf8("{\"broken"), SOURCE, NOW).deadLetter();
        var node =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(DeadLetterSerializer.json(dl));
        assertThat(node.get("reason").asText()).isEqualTo("truncated_json");
        assertThat(node.get("raw").asText()).isEqualTo("{\"broken");
        assertThat(node.get("truncated").asBoolean()).isFalse();
        assertThat(node.get("source").get("topic").asText()).isEqualTo("portrait.events");
        assertThat(node.get("source").get("partition").asInt()).isEqualTo(1);
        assertThat(node.get("source").get("offset").asLong()).isEqualTo(42L);
        assertThat(node.get("ts").asText()).isEqualTo("2026-11-30T06:00:00Z");
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
