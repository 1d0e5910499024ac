package io.portrait.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.portrait.predict.Encoding;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** The streaming accuracy and log-loss a model version exports as metrics. */
class FeedbackTest {

    /** Keeps the gauges registered on it. */
    static final class Capture extends UnregisteredMetricsGroup {
        final Map<String, Gauge<?>> gauges = new HashMap<>();

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            gauges.put(name, gauge);
            return gauge;
        }

        double value(String name) {
            return ((Number) gauges.get(name).getValue()).doubleValue();
        }
    }

    static float[] predict(int slot, float p) {
        float[] v = new float[Encoding.CLASSES];
        java.util.Arrays.fill(v, (1 - p) / (Encoding.CLASSES - 1));
        v[slot] = p;
        return v;
    }

    @Test
    void accuracyAndLogLossFollowThePredictionsAgainstWhatCame() {
        Capture g = new Capture();
        UserOperator.Feedback f = new UserOperator.Feedback(g);
        assertThat(g.value("nextActionAccuracy")).isNaN();
        // Four predictions: right, right, wrong, right — the plain mean while the window fills.
        f.observe(predict(0, 0.8f), 0);
        f.observe(predict(3, 0.5f), 3);
        f.observe(predict(0, 0.9f), 5);
        f.observe(predict(5, 0.6f), 5);
        assertThat(g.value("nextActionAccuracy")).isCloseTo(0.75, within(1e-9));
        double wrong = -Math.log((1 - 0.9) / (Encoding.CLASSES - 1));
        double expected = (-Math.log(0.8) - Math.log(0.5) + wrong - Math.log(0.6)) / 4;
        assertThat(g.value("nextActionLogLoss")).isCloseTo(expected, within(1e-6));

        // After many misses the moving average forgets the early hits.
        for (int i = 0; i < 20_000; i++) {
            f.observe(predict(0, 0.9f), 1);
        }
        assertThat(g.value("nextActionAccuracy")).isLessThan(0.001);
    }
}
