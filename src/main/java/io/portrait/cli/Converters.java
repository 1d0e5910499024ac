package io.portrait.cli;

import java.time.Duration;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;

/** Option value converters with messages that say what to write. */
final class Converters {
    private Converters() {}

    static Duration duration(String text) {
        try {
            String t = text.trim();
            Duration d =
                    t.startsWith("P") || t.startsWith("p")
                            ? Duration.parse(t)
                            : TimeUtils.parseDuration(t);
            if (d.isNegative()) {
                throw new IllegalArgumentException();
            }
            return d;
        } catch (RuntimeException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + text + "' is not a duration; write e.g. 60s, 5min, 500ms or PT1M");
        }
    }
}
