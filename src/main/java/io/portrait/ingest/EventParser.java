package io.portrait.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.portrait.config.Money;
import io.portrait.config.PortraitConfig;
import io.portrait.event.DeadLetter;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.event.Ingested;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Turns the bytes of one input record into an {@link Event}, or into a {@link DeadLetter} that says
 * why not. It never throws for bad input: every failure becomes a reason code of {@link
 * RejectReason}. Thread-confined (one per source reader); cheap to create.
 */
public final class EventParser implements Serializable {

    /** 2000-01-01T00:00:00Z: anything earlier is a broken clock, not history. */
    public static final long MIN_TS = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();

    private static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .build();

    private final int maxRecordBytes;
    private final int rawCapBytes;
    private final long futureSkewMillis;
    private final Money money;

    public EventParser(PortraitConfig config) {
        this.maxRecordBytes = config.maxRecordBytes();
        this.rawCapBytes = config.dlqRawCapBytes();
        this.futureSkewMillis = config.futureSkew().toMillis();
        this.money = config.money();
    }

    /** Where a record came from, for DLQ records. */
    public record Source(String topic, int partition, long offset) implements Serializable {}

    /** Thrown inside the parser only, to leave a deeply nested check with a reason. */
    private static final class Reject extends Exception {
        final RejectReason reason;

        Reject(RejectReason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    public Ingested parse(byte[] key, byte[] value, Source source, long nowMillis) {
        try {
            return Ingested.of(parseOrThrow(value, source, nowMillis));
        } catch (Reject r) {
            return Ingested.rejected(
                    deadLetter(r.reason, r.getMessage(), key, value, source, nowMillis));
        }
    }

    private Event parseOrThrow(byte[] value, Source source, long nowMillis) throws Reject {
        if (value == null || value.length == 0) {
            throw new Reject(RejectReason.EMPTY_RECORD, "record value is empty");
        }
        if (value.length > maxRecordBytes) {
            throw new Reject(
                    RejectReason.OVERSIZED, value.length + " bytes > limit " + maxRecordBytes);
        }
        if (!isValidUtf8(value)) {
            throw new Reject(RejectReason.INVALID_UTF8, "malformed UTF-8 byte sequence");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(value);
        } catch (JsonEOFException e) {
            throw new Reject(RejectReason.TRUNCATED_JSON, e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new Reject(
                    endsInsideADocument(value, e)
                            ? RejectReason.TRUNCATED_JSON
                            : RejectReason.NOT_JSON,
                    e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new Reject(RejectReason.NOT_JSON, String.valueOf(e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            throw new Reject(RejectReason.NOT_JSON, "no JSON value");
        }
        if (!root.isObject()) {
            throw new Reject(RejectReason.NOT_OBJECT, "top-level JSON is " + root.getNodeType());
        }

        String eventId = requiredString(root, "event_id");
        JsonNode userNode = root.get("user_id");
        if (userNode == null || userNode.isNull()) {
            throw new Reject(RejectReason.MISSING_USER, "user_id is missing");
        }
        String userId = requiredString(root, "user_id");
        String typeName = requiredString(root, "type");
        JsonNode tsNode = root.get("ts");
        if (tsNode == null || tsNode.isNull()) {
            throw new Reject(RejectReason.MISSING_FIELD, "ts is missing");
        }
        if (userId.isBlank()) {
            throw new Reject(RejectReason.EMPTY_USER_ID, "user_id is blank");
        }
        if (eventId.isBlank()) {
            throw new Reject(RejectReason.EMPTY_EVENT_ID, "event_id is blank");
        }
        EventType type = EventType.fromWire(typeName);
        if (type == null) {
            throw new Reject(RejectReason.UNKNOWN_TYPE, "type '" + cut(typeName) + "' is unknown");
        }
        long ts = timestamp(tsNode);
        if (ts < MIN_TS) {
            throw new Reject(
                    RejectReason.ANCIENT_TIMESTAMP,
                    "ts " + Instant.ofEpochMilli(ts) + " < 2000-01-01");
        }
        if (ts > nowMillis + futureSkewMillis) {
            throw new Reject(
                    RejectReason.FUTURE_TIMESTAMP,
                    "ts "
                            + Instant.ofEpochMilli(ts)
                            + " is after now "
                            + Instant.ofEpochMilli(nowMillis)
                            + " + skew");
        }

        Integer quantity = optionalInt(root, "quantity");
        if (quantity != null
                && (quantity < 0
                        || (quantity == 0
                                && (type == EventType.PURCHASE || type == EventType.REFUND)))) {
            throw new Reject(
                    RejectReason.INVALID_QUANTITY,
                    "quantity " + quantity + " on a " + type.wireName());
        }
        BigDecimal amount = amount(root.get("amount"));
        String currency = optionalString(root, "currency");
        Long amountMinor = null;
        if (amount != null) {
            String code =
                    currency == null ? money.baseCurrency() : currency.toUpperCase(Locale.ROOT);
            OptionalLong minor;
            try {
                minor = money.toBaseMinor(amount, code);
            } catch (ArithmeticException e) {
                throw new Reject(RejectReason.INVALID_AMOUNT, "amount " + amount + " is too large");
            }
            if (minor.isEmpty()) {
                throw new Reject(
                        RejectReason.UNKNOWN_CURRENCY,
                        "currency '" + cut(code) + "' has no FX rate");
            }
            amountMinor = minor.getAsLong();
            // An absent currency stays null here: the data-quality stage imputes and counts it.
            currency = currency == null ? null : code;
        } else if (currency != null
                && money.rates().get(currency.toUpperCase(Locale.ROOT)) == null) {
            throw new Reject(
                    RejectReason.UNKNOWN_CURRENCY,
                    "currency '" + cut(currency) + "' has no FX rate");
        }

        String tz = optionalString(root, "tz");
        if (tz != null) {
            try {
                ZoneId.of(tz);
            } catch (DateTimeException e) {
                throw new Reject(RejectReason.INVALID_TZ, "tz '" + cut(tz) + "' is not a zone id");
            }
        }

        Double lat = null;
        Double lon = null;
        String country = null;
        JsonNode geo = root.get("geo");
        if (geo != null && !geo.isNull()) {
            if (!geo.isObject()) {
                throw new Reject(RejectReason.WRONG_TYPE, "geo must be an object");
            }
            lat = optionalDouble(geo, "geo.lat", geo.get("lat"));
            lon = optionalDouble(geo, "geo.lon", geo.get("lon"));
            if ((lat != null && (lat < -90 || lat > 90))
                    || (lon != null && (lon < -180 || lon > 180))) {
                throw new Reject(
                        RejectReason.INVALID_GEO, "geo " + lat + "," + lon + " out of range");
            }
            country = optionalString(geo, "country");
        }
        Integer age = null;
        String gender = null;
        JsonNode attrs = root.get("attrs");
        if (attrs != null && !attrs.isNull()) {
            if (!attrs.isObject()) {
                throw new Reject(RejectReason.WRONG_TYPE, "attrs must be an object");
            }
            age = optionalInt(attrs, "age");
            gender = optionalString(attrs, "gender");
        }

        return new Event(
                eventId,
                userId,
                type,
                ts,
                optionalString(root, "session_id"),
                optionalString(root, "order_id"),
                optionalString(root, "item_id"),
                optionalString(root, "category"),
                amountMinor,
                currency,
                quantity,
                optionalString(root, "device"),
                optionalString(root, "ip"),
                tz,
                lat,
                lon,
                country,
                age,
                gender,
                source == null ? -1 : source.partition(),
                source == null ? -1 : source.offset(),
                false);
    }

    /**
     * A parse error in the last token of an object or array that was opened is a cut record
     * ({@code {"a":tr} or {@code {"a":59.}), not a syntax error; Jackson reports only some of these
     * as end-of-input. The error location is the start of the failing token: if nothing but that
     * token follows, the record was cut.
     */
    private static boolean endsInsideADocument(byte[] value, JsonProcessingException e) {
        int first = 0;
        while (first < value.length && Character.isWhitespace(value[first])) {
            first++;
        }
        boolean opened = first < value.length && (value[first] == '{' || value[first] == '[');
        if (!opened || e.getLocation() == null || e.getLocation().getByteOffset() < 0) {
            return false;
        }
        for (long i = e.getLocation().getByteOffset(); i < value.length; i++) {
            byte b = value[(int) i];
            if (b == ','
                    || b == '}'
                    || b == ']'
                    || b == ':'
                    || b == '"'
                    || Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    private static String requiredString(JsonNode root, String field) throws Reject {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new Reject(RejectReason.MISSING_FIELD, field + " is missing");
        }
        if (!n.isTextual()) {
            throw new Reject(
                    RejectReason.WRONG_TYPE, field + " must be a string, not " + n.getNodeType());
        }
        return n.textValue();
    }

    private static String optionalString(JsonNode root, String field) throws Reject {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new Reject(
                    RejectReason.WRONG_TYPE, field + " must be a string, not " + n.getNodeType());
        }
        return n.textValue();
    }

    private static Integer optionalInt(JsonNode root, String field) throws Reject {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new Reject(RejectReason.WRONG_TYPE, field + " must be an integer");
        }
        return n.intValue();
    }

    private static Double optionalDouble(JsonNode parent, String name, JsonNode n) throws Reject {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new Reject(RejectReason.WRONG_TYPE, name + " must be a number");
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d)) {
            throw new Reject(RejectReason.INVALID_GEO, name + " is not finite");
        }
        return d;
    }

    private static BigDecimal amount(JsonNode n) throws Reject {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new Reject(
                    RejectReason.WRONG_TYPE, "amount must be a number, not " + n.getNodeType());
        }
        if ((n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
            throw new Reject(RejectReason.INVALID_AMOUNT, "amount is " + n.doubleValue());
        }
        BigDecimal amount = n.decimalValue();
        if (amount.signum() < 0) {
            throw new Reject(
                    RejectReason.NEGATIVE_AMOUNT, "amount " + amount.toPlainString() + " < 0");
        }
        if (amount.precision() - amount.scale() > 15) {
            throw new Reject(RejectReason.INVALID_AMOUNT, "amount " + amount + " is too large");
        }
        return amount;
    }

    private static long timestamp(JsonNode n) throws Reject {
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) {
                throw new Reject(RejectReason.BAD_TIMESTAMP, "ts is out of range");
            }
            return n.longValue();
        }
        if (n.isTextual()) {
            String s = n.textValue().trim();
            if (!s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() <= 15) {
                return Long.parseLong(s);
            }
            try {
                return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                        .toInstant()
                        .toEpochMilli();
            } catch (DateTimeException e) {
                throw new Reject(
                        RejectReason.BAD_TIMESTAMP,
                        "ts '" + cut(s) + "' is not ISO-8601 with an offset or epoch milliseconds");
            }
        }
        throw new Reject(
                RejectReason.BAD_TIMESTAMP,
                "ts must be a string or an integer, not " + n.getNodeType());
    }

    private static String cut(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    static boolean isValidUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** A DLQ record for any rejection, including ones decided after parsing. */
    public DeadLetter deadLetter(
            RejectReason reason,
            String detail,
            byte[] key,
            byte[] value,
            Source source,
            long nowMillis) {
        byte[] bytes = value == null ? new byte[0] : value;
        boolean truncated = bytes.length > rawCapBytes;
        String raw = null;
        String rawB64 = null;
        if (isValidUtf8(bytes)) {
            raw =
                    truncated
                            ? utf8Prefix(bytes, rawCapBytes)
                            : new String(bytes, StandardCharsets.UTF_8);
        } else {
            byte[] kept = truncated ? java.util.Arrays.copyOf(bytes, rawCapBytes) : bytes;
            rawB64 = Base64.getEncoder().encodeToString(kept);
        }
        String keyText =
                key != null && isValidUtf8(key) ? new String(key, StandardCharsets.UTF_8) : null;
        return new DeadLetter(
                reason.code(),
                detail,
                raw,
                rawB64,
                truncated,
                source == null ? null : source.topic(),
                source == null ? -1 : source.partition(),
                source == null ? -1 : source.offset(),
                nowMillis,
                keyText);
    }

    /** The longest prefix of at most {@code max} bytes that ends on a character boundary. */
    private static String utf8Prefix(byte[] bytes, int max) {
        int end = max;
        // Step back over continuation bytes (10xxxxxx) so no character is split.
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
