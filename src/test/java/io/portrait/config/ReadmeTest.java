package io.portrait.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;

/** The README's configuration table lists every option with its real default. */
class ReadmeTest {

    @Test
    void everyOptionIsDocumentedWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (var field : PortraitOptions.class.getFields()) {
            ConfigOption<?> option = (ConfigOption<?>) field.get(null);
            Object d = option.defaultValue();
            String shown =
                    d == null
                            ? "none"
                            : d instanceof Duration duration
                                    ? TimeUtils.formatWithHighestUnit(duration)
                                    : String.valueOf(d);
            assertThat(readme)
                    .as("README row for %s", option.key())
                    .contains("| `" + option.key() + "` | `" + shown + "` |");
        }
    }
}
