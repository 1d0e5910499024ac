package io.portrait.predict;

/**
 * Which model the job uses: the payload of a {@code model} control record (docs/control.md), or the
 * shipped default. A POJO: it lives in operator state so a restored task knows its model.
 */
public class ModelRef {
    /** The shipped model, used until a control record names another one. */
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

    public static ModelRef shippedDefault() {
        return new ModelRef("next-action", 0, DEFAULT_URI, null);
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
