package io.portrait.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PortraitConfigTest {

    @Test
    void defaults() {
        PortraitConfig c = PortraitConfig.defaults();
        assertThat(c.eventsTopic()).isEqualTo("portrait.events");
        assertThat(c.dlqTopic()).isEqualTo("portrait.events.dlq");
        assertThat(c.controlTopic()).isEqualTo("portrait.control");
        assertThat(c.outOfOrderness()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.futureSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.dedupHorizon()).isEqualTo(Duration.ofHours(24));
        assertThat(c.flushInterval()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.money().baseCurrency()).isEqualTo("GBP");
        assertThat(c.money().rates()).containsEntry("GBP", BigDecimal.ONE).containsKey("EUR");
        assertThat(c.epoch()).isZero();
    }

    @Test
    void overridesAndRoundTrip() {
        PortraitConfig c =
                PortraitConfig.defaults()
                        .with(
                                Map.of(
                                        "portrait.flush.interval", "250 ms",
                                        "portrait.money.base-currency", "eur",
                                        "portrait.money.fx-rates", "GBP=1.17,USD=0.92",
                                        "portrait.topics.events", "clicks"));
        assertThat(c.flushInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.money().baseCurrency()).isEqualTo("EUR");
        assertThat(c.money().rates()).containsEntry("GBP", new BigDecimal("1.17"));
        assertThat(c.money().rates()).doesNotContainKey("CNY");
        assertThat(c.eventsTopic()).isEqualTo("clicks");
        assertThat(PortraitConfig.from(c.toConfiguration())).isEqualTo(c);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "portrait.no-such-setting|1|Unknown setting 'portrait.no-such-setting'",
                "portrait.redis.batch-size|0|at least 1",
                "portrait.dedup.horizon|0 s|must be positive",
                "portrait.ingest.out-of-orderness|-1 s|invalid value",
                "portrait.money.base-currency|XX|not an ISO 4217 currency",
                "portrait.money.fx-rates|EUR:0.85|write CODE=rate",
                "portrait.money.fx-rates|EUR=-1|must be positive",
                "portrait.redis.url|redis://user:secret@host:6379|PORTRAIT_REDIS_PASSWORD",
                "portrait.redis.url|http://host:6379|must start with redis://",
                "portrait.topics.events|' '|must not be empty",
                "portrait.profile.epoch|-5|must be 0",
                "portrait.redis.batch-size|many|invalid value",
                "portrait.anomaly.card-testing.max-amount|two pounds|must be a decimal amount in GBP",
                "portrait.anomaly.ato.failed-logins|0|portrait.anomaly.ato.failed-logins",
                "portrait.predict.batch-size|0|portrait.predict.batch-size"
            })
    void rejectsBadValuesWithAMessageThatSaysWhatToFix(String key, String value, String message) {
        Configuration conf = new Configuration();
        conf.setString(key, value);
        assertThatThrownBy(() -> PortraitConfig.from(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void moneyConvertsExactly() {
        Money m = PortraitConfig.defaults().money();
        assertThat(m.toBaseMinor(new BigDecimal("0.005"), "GBP").getAsLong()).isZero(); // half-even
        assertThat(m.toBaseMinor(new BigDecimal("0.015"), "GBP").getAsLong()).isEqualTo(2);
        assertThat(m.toBaseMinor(new BigDecimal("1000"), "JPY").getAsLong()).isEqualTo(530);
        assertThat(m.toBaseMinor(BigDecimal.ONE, "XYZ")).isEmpty();
        assertThat(m.fromBaseMinor(12_050)).isEqualByComparingTo("120.50");
    }

    @Test
    void redisAddress() {
        RedisAddress a = RedisAddress.parse("redis://10.0.0.5:6380/2", "x");
        assertThat(a.host()).isEqualTo("10.0.0.5");
        assertThat(a.port()).isEqualTo(6380);
        assertThat(a.database()).isEqualTo(2);
        assertThat(RedisAddress.parse("localhost", "x").port()).isEqualTo(6379);
    }
}
