package io.portrait.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.portrait.common.Rounding;
import io.portrait.config.PortraitConfig;
import io.portrait.ingest.EventParser;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.feature.BetaPosterior;
import io.portrait.user.ProfileDocument;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The profile assembler's per-document work, which the end-to-end profile found dominant: the whole
 * render of a user's document (features after 200 events), the propensity's credible interval
 * solved from scratch (before) and through the per-shape cache (after), doubles written with
 * Double.toString (before) and Jackson's Schubfach writer (after), numbers rounded through
 * BigDecimal (before) and the fast path (after), and parsing one event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgs = {"-Xms1g", "-Xmx1g"})
public class DocumentBenchmark {
    final PortraitConfig config = PortraitConfig.defaults();
    CoreFeatures core;
    EventParser parser;
    byte[] event;
    final double[] numbers = new double[40];
    final double[] raw = new double[40];
    final JsonFactory plain = new JsonFactory();
    final JsonFactory fast =
            JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    int shape;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        core = io.portrait.testing.TestProfiles.core(200, 5);
        Random r = new Random(5);
        for (int i = 0; i < numbers.length; i++) {
            numbers[i] = Math.round(r.nextDouble() * 1e4) / 1e4;
            raw[i] = r.nextDouble() * Math.pow(10, r.nextInt(4));
        }
        parser = new EventParser(config);
        event =
                ("{\"event_id\":\"e-1\",\"user_id\":\"u-42\",\"type\":\"purchase\","
                                + "\"ts\":\"2026-11-30T10:15:30.123Z\",\"item_id\":\"i-9\","
                                + "\"category\":\"books\",\"amount\":\"12.50\",\"currency\":\"EUR\","
                                + "\"order_id\":\"o-7\",\"device\":\"mobile\",\"tz\":\"Europe/Berlin\"}")
                        .getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public String renderDocument() {
        return render(config, core);
    }

    /** The document of a user with these features, no segment or predictions, risk 0.1. */
    static String render(PortraitConfig config, CoreFeatures core) {
        return ProfileDocument.render(
                1L,
                "u-42",
                core,
                null,
                null,
                0,
                core.lastSeen,
                config.money(),
                config.features(),
                0.1,
                1);
    }

    /** Before: the interval solved numerically for every document. */
    @Benchmark
    public double[] credibleIntervalSolved() {
        shape = (shape + 1) & 31;
        BetaDistribution d = new BetaDistribution(null, 1 + shape, 9 + 2 * shape, 1e-12);
        return new double[] {
            d.inverseCumulativeProbability(0.05), d.inverseCumulativeProbability(0.95)
        };
    }

    /** After: the same 32 shapes through the cache. */
    @Benchmark
    public double[] credibleIntervalCached() {
        shape = (shape + 1) & 31;
        return BetaPosterior.ci90(1, 9, shape, 3L * shape);
    }

    @Benchmark
    public int doublesWithDoubleToString() throws Exception {
        return write(plain);
    }

    @Benchmark
    public int doublesWithSchubfach() throws Exception {
        return write(fast);
    }

    private int write(JsonFactory f) throws Exception {
        StringWriter w = new StringWriter(1024);
        try (JsonGenerator g = f.createGenerator(w)) {
            g.writeStartArray();
            for (double d : numbers) {
                g.writeNumber(d);
            }
            g.writeEndArray();
        }
        return w.getBuffer().length();
    }

    /** Before: 40 numbers rounded through BigDecimal (Double.toString, setScale). */
    @Benchmark
    public double roundWithBigDecimal() {
        double sum = 0;
        for (int i = 0; i < raw.length; i++) {
            sum += Rounding.roundExactly(raw[i], 1 + (i & 3));
        }
        return sum;
    }

    /** After: the same 40 through the fast path (same results; ProfileDocumentRoundTest). */
    @Benchmark
    public double roundFastPath() {
        double sum = 0;
        for (int i = 0; i < raw.length; i++) {
            sum += Rounding.round(raw[i], 1 + (i & 3));
        }
        return sum;
    }

    final EventParser.Source source = new EventParser.Source("portrait.events", 0, 1L);

    @Benchmark
    public Object parseEvent() {
        return parser.parse(null, event, source, 1_764_500_000_000L);
    }
}
