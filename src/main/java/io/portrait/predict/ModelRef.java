package io.portrait.predict;

/**
 * Which model the job uses: the payload of a {@code model} control record (docs/control.md), or the
 * shipped default. A POJO: it lives in operator state so a restored task knows its model.
 */
public class ModelRef {
    /** The shipped model, used until a control record names another one. */
    /** The control id of the next-action model: records {@code model:next-action}. */
    public static final String NEXT_ACTION = "next-action";

    public static final String DEFAULT_URI = "classpath:models/next-action-v1.onnx";

    /** The control record's id and version, e.g. {@code next-action} and 3. */
    public String id;

    public long version;

    /** {@code file:/…}, a plain path, or {@code classpath:…}; readable from every TaskManager. */
    public String uri;

    /** Hex sha256 of the file; a mismatch rejects the reference. */
    public String sha256;

    public ModelRef() {}

    public ModelRef(String id, long version, String uri, String sha256) {
        this.id = id;
        this.version = version;
        this.uri = uri;
        this.sha256 = sha256;
    }

    /**
     * Reads a {@code model} control payload {@code {"uri": "...", "sha256": "..."}}; throws with a
     * message naming the field to fix (the record then goes to the control DLQ).
     */
    public static ModelRef fromPayload(String id, long version, String payload) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(payload);
            String uri = node.path("uri").asText("");
            String sha = node.path("sha256").asText("");
            if (uri.isBlank()) {
                throw new IllegalArgumentException(
                        "model payload needs \"uri\" (file:/…, a path or classpath:…)");
            }
            if (!sha.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException(
                        "model payload needs \"sha256\": 64 hex digits of the file");
            }
            if (version < 1) {
                throw new IllegalArgumentException("a model record needs version >= 1");
            }
            return new ModelRef(id, version, uri, sha.toLowerCase(java.util.Locale.ROOT));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "model payload is not JSON: " + e.getOriginalMessage());
        }
    }

    /** The label the profile shows: {@code id@version}. */
    public String label() {
        return id + "@" + version;
    }

    @Override
    public String toString() {
        return label() + " (" + uri + ")";
    }
}
