package io.portrait.bench;

import io.portrait.predict.Encoding;
import io.portrait.predict.ModelRef;
import io.portrait.predict.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Runs ONNX steps for a long time on a small fixed heap and prints the process's resident memory,
 * so native memory held by ONNX Runtime (tensors, results, sessions) shows as RSS growth: {@code
 * bench/native-memory.sh}.
 */
public final class NativeMemoryCheck {
    public static void main(String[] args) throws Exception {
        long steps = args.length > 0 ? Long.parseLong(args[0]) : 20_000_000L;
        int batch = 128;
        OnnxModel model = OnnxModel.acquire(OnnxModel.read(ModelRef.DEFAULT_URI));
        int f = Encoding.FEATURES;
        int hs = model.info().hidden();
        float[] x = new float[batch * f];
        float[] h = new float[batch * hs];
        float[] c = new float[batch * hs];
        SplittableRandom r = new SplittableRandom(3);
        long start = System.nanoTime();
        long nextReport = 0;
        for (long done = 0; done < steps; done += batch) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextDouble();
            }
            OnnxModel.Output o = model.run(1, batch, x, h, c);
            h = o.h();
            c = o.c();
            if (done >= nextReport) {
                System.out.printf(
                        "steps=%d seconds=%.0f rss_kib=%d%n",
                        done, (System.nanoTime() - start) / 1e9, rssKib());
                nextReport += steps / 20;
            }
        }
        System.out.printf(
                "steps=%d seconds=%.0f rss_kib=%d%n",
                steps, (System.nanoTime() - start) / 1e9, rssKib());
        model.release();
    }

    static long rssKib() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
