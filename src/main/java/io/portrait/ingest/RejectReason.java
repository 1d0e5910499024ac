package io.portrait.ingest;

/**
 * Why an input record went to the dead-letter topic. The {@link #code()} is the {@code reason}
 * field of the DLQ record and the name of the per-reason metric; codes never change meaning.
 */
public enum RejectReason {
    EMPTY_RECORD("empty_record", "the record has no value (null or zero bytes)"),
    OVERSIZED("oversized", "the record is larger than portrait.ingest.max-record-bytes"),
    INVALID_UTF8("invalid_utf8", "the bytes are not valid UTF-8"),
    NOT_JSON("not_json", "the bytes are not JSON"),
    TRUNCATED_JSON("truncated_json", "the JSON ends before the document is complete"),
    NOT_OBJECT("not_object", "the JSON is not an object"),
    MISSING_FIELD(
            "missing_field", "a required field (event_id, user_id, type, ts) is absent or null"),
    MISSING_USER("missing_user", "user_id is absent or null (e.g. a guest checkout)"),
    WRONG_TYPE("wrong_type", "a field has the wrong JSON type"),
    EMPTY_USER_ID("empty_user_id", "user_id is an empty or blank string"),
    EMPTY_EVENT_ID("empty_event_id", "event_id is an empty or blank string"),
    UNKNOWN_TYPE("unknown_type", "type is not one of the documented event types"),
    BAD_TIMESTAMP("bad_timestamp", "ts is neither ISO-8601 with an offset nor epoch milliseconds"),
    FUTURE_TIMESTAMP("future_timestamp", "ts is later than wall clock plus the allowed skew"),
    ANCIENT_TIMESTAMP("ancient_timestamp", "ts is before 2000-01-01T00:00:00Z"),
    NEGATIVE_AMOUNT("negative_amount", "amount is below zero (refunds carry positive amounts)"),
    INVALID_AMOUNT("invalid_amount", "amount is NaN, infinite or too large"),
    UNKNOWN_CURRENCY("unknown_currency", "currency has no rate in portrait.money.fx-rates"),
    INVALID_QUANTITY(
            "invalid_quantity", "quantity is below zero, or not positive on a purchase or refund"),
    INVALID_GEO("invalid_geo", "geo.lat/geo.lon are out of range"),
    INVALID_TZ("invalid_tz", "tz is not an IANA zone id or offset");

    private final String code;
    private final String meaning;

    RejectReason(String code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public String code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
