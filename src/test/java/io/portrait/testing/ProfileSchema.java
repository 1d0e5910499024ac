package io.portrait.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** docs/profile.schema.json, applied to documents the tests read back from Redis. */
public final class ProfileSchema {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema SCHEMA = load();

    private ProfileSchema() {}

    private static JsonSchema load() {
        try (InputStream in = Files.newInputStream(Path.of("docs/profile.schema.json"))) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses the document and asserts it validates; returns it. */
    public static JsonNode assertValid(String document) {
        try {
            JsonNode node = JSON.readTree(document);
            assertThat(SCHEMA.validate(node)).as("schema violations of %s", document).isEmpty();
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
