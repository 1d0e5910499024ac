package io.portrait.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** Bad options fail fast, before any service starts, with a message that says what to fix. */
class PortraitCliTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "demo --duration soon|is not a duration",
                "demo --format parquet|--format parquet is unknown",
                "demo --replay pom.xml --speed slow|--speed must be",
                "replay --csv pom.xml --format taobao|Give exactly one of --kafka-bootstrap or --out",
                "replay --csv nope.csv --format taobao --out x|is not a readable file",
                "demo --replay /no/such/file|is not a readable file",
                "generate --users 5|Give exactly one of --kafka-bootstrap or --out",
                "generate --out x.jsonl --users 0|--users and --events must be at least 1",
                "demo --users 0|--users must be at least 1",
                "demo --until-idle|--until-idle needs an end to the input",
                "demo --rate -5|--rate must be",
                "demo --redis-url redis://user:pw@localhost:6379|PORTRAIT_REDIS_PASSWORD",
                "demo --nonsense|Unknown option",
                "demo --api-port 70000|--api-port must be from 0 to 65535",
                "serve --token-file /no/such/token|Cannot read --token-file",
                "serve --token-file pom.xml --port 70000|--port must be from 0 to 65535",
                "job -D portrait.redis.batch-size=0|must be at least 1",
                "job -D portrait.bogus=1|Unknown setting",
                "frobnicate|Unmatched argument",
                "topics|Name a subcommand: create",
                "generate --out x.jsonl --scenario /no/such/spec.json|cannot read scenario spec",
                "generate --out x.jsonl --labels-out l.csv|--labels-out needs --scenario",
                "rule publish --file /no/such/rule.json --kafka-bootstrap localhost:1|--file",
                "rule publish --file pom.xml --kafka-bootstrap localhost:1|--file pom.xml",
                "rule|Name a subcommand: publish or delete",
                "alerts|Name a subcommand: tail",
                "alerts tail --max 0 --kafka-bootstrap localhost:1|--max must be >= 1",
                "|Name a command"
            })
    void rejects(String args, String message) {
        StringWriter err = new StringWriter();
        CommandLine cl = PortraitCli.newCommandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        int code = cl.execute(args == null ? new String[0] : args.split(" "));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains(message);
    }

    @org.junit.jupiter.api.Test
    void serveRefusesToRunWithoutAToken() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServeCommand.token(null, null))
                .hasMessageContaining("portrait serve needs an API token: set PORTRAIT_API_TOKEN");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServeCommand.token(null, "  "))
                .hasMessageContaining("needs an API token");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServeCommand.token(null, "short"))
                .hasMessageContaining("at least 16 characters");
        assertThat(ServeCommand.token(null, " 0123456789abcdef0123 "))
                .isEqualTo("0123456789abcdef0123");
    }
}
