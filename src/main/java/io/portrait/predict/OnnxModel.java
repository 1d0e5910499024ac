package io.portrait.predict;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * A next-action model loaded into ONNX Runtime. Sessions are shared per JVM and per model digest
 * ({@link #acquire}/{@link #release} count the users), all on one ORT environment whose thread pool
 * is configured once ({@link #environment}). Every tensor and result is closed after each call, so
 * native memory stays flat however long the job runs.
 */
public final class OnnxModel {
    /** ORT intra-op threads for the whole JVM; Flink already runs one task thread per slot. */
    public static final String THREADS_PROPERTY = "portrait.onnx.threads";

    private static OrtEnvironment environment;
    private static final Map<String, OnnxModel> SHARED = new HashMap<>();

    private final String sha256;
    private final byte[] digest;
    private final OrtSession session;
    private final ModelInfo info;
    private int users;

    private OnnxModel(String sha256, OrtSession session, ModelInfo info) {
        this.sha256 = sha256;
        this.digest = HexFormat.of().parseHex(sha256);
        this.session = session;
        this.info = info;
    }

    /** The JVM's ORT environment with a global thread pool, created on first use. */
    public static synchronized OrtEnvironment environment() {
        if (environment == null) {
            try {
                int threads = Integer.getInteger(THREADS_PROPERTY, 1);
                var threading = new OrtEnvironment.ThreadingOptions();
                threading.setGlobalIntraOpNumThreads(threads);
                threading.setGlobalInterOpNumThreads(1);
                threading.setGlobalSpinControl(false);
                environment =
                        OrtEnvironment.getEnvironment(
                                OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "portrait", threading);
            } catch (OrtException e) {
                throw new IllegalStateException("cannot start ONNX Runtime: " + e.getMessage(), e);
            }
        }
        return environment;
    }

    /**
     * The shared session for these bytes, created on first use. Callers {@link #release} it when
     * done; the last release closes the session.
     */
    public static OnnxModel acquire(byte[] bytes) {
        String digest = sha256(bytes);
        synchronized (SHARED) {
            OnnxModel m = SHARED.get(digest);
            if (m == null) {
                m = open(digest, bytes);
                SHARED.put(digest, m);
            }
            m.users++;
            return m;
        }
    }

    /** Loads a model reference: reads the URI, checks its digest, and acquires the session. */
    public static OnnxModel acquire(ModelRef ref) throws IOException {
        byte[] bytes = read(ref.uri);
        String actual = sha256(bytes);
        if (ref.sha256 != null && !ref.sha256.isEmpty() && !ref.sha256.equalsIgnoreCase(actual)) {
            throw new IOException(
                    "model "
                            + ref.uri
                            + " has sha256 "
                            + actual
                            + ", the reference says "
                            + ref.sha256
                            + "; publish the digest of the file you uploaded");
        }
        return acquire(bytes);
    }

    public void release() {
        synchronized (SHARED) {
            if (--users == 0) {
                SHARED.remove(sha256);
                try {
                    session.close();
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Sessions open in this JVM (for tests that check sharing and release). */
    static int openSessions() {
        synchronized (SHARED) {
            return SHARED.size();
        }
    }

    private static OnnxModel open(String digest, byte[] bytes) {
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.disablePerSessionThreads();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = environment().createSession(bytes, options);
            ModelInfo info = ModelInfo.of(session.getMetadata().getCustomMetadata());
            return new OnnxModel(digest, session, info);
        } catch (OrtException e) {
            throw new IllegalArgumentException("not a usable ONNX model: " + e.getMessage(), e);
        }
    }

    /** {@code classpath:path}, {@code file:/path} or a plain file path. */
    public static byte[] read(String uri) throws IOException {
        if (uri.startsWith("classpath:")) {
            String resource = uri.substring("classpath:".length());
            try (InputStream in = OnnxModel.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("no resource " + resource + " on the classpath");
                }
                return in.readAllBytes();
            }
        }
        Path path = uri.startsWith("file:") ? Path.of(java.net.URI.create(uri)) : Path.of(uri);
        return Files.readAllBytes(path);
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String sha256() {
        return sha256;
    }

    /** The model file's sha256 as 32 bytes (shared: do not modify). */
    public byte[] digest() {
        return digest;
    }

    public ModelInfo info() {
        return info;
    }

    /**
     * What one call returns, flattened: {@code nextAction} [seq][batch][C] and {@code binary}
     * [seq][batch][2] after every step (zeros past a row's length), {@code h}/{@code c} [batch][H]
     * after each row's last step.
     */
    public record Output(int batch, float[] nextAction, float[] binary, float[] h, float[] c) {
        /** Offset of (step t, row b) in {@link #nextAction}. */
        public int actionAt(int t, int b) {
            return (t * batch + b) * Encoding.CLASSES;
        }

        /** Offset of (step t, row b) in {@link #binary}. */
        public int binaryAt(int t, int b) {
            return (t * batch + b) * LstmNet.BINARY_HEADS;
        }
    }

    /** Runs {@code seq} inputs for every row (all rows the same length). */
    public Output run(int seq, int batch, float[] x, float[] h, float[] c) {
        int[] lens = new int[batch];
        java.util.Arrays.fill(lens, seq);
        return run(seq, batch, x, h, c, lens);
    }

    /**
     * Runs {@code seq} inputs for {@code batch} users from their states. {@code x} is
     * [seq][batch][F] flattened, {@code h}/{@code c} are [batch][H].
     */
    public Output run(int seq, int batch, float[] x, float[] h, float[] c, int[] lens) {
        int f = info.features();
        int hs = info.hidden();
        OrtEnvironment env = environment();
        Scratch scratch = SCRATCH.get();
        try (OnnxTensor xt =
                        OnnxTensor.createTensor(
                                env, scratch.x(x, seq * batch * f), new long[] {seq, batch, f});
                OnnxTensor ht =
                        OnnxTensor.createTensor(
                                env, scratch.h(h, batch * hs), new long[] {1, batch, hs});
                OnnxTensor ct =
                        OnnxTensor.createTensor(
                                env, scratch.c(c, batch * hs), new long[] {1, batch, hs});
                OnnxTensor lt =
                        OnnxTensor.createTensor(
                                env, java.nio.IntBuffer.wrap(lens, 0, batch), new long[] {batch});
                OrtSession.Result r =
                        session.run(
                                Map.of(
                                        OnnxExport.INPUT,
                                        xt,
                                        OnnxExport.H0,
                                        ht,
                                        OnnxExport.C0,
                                        ct,
                                        OnnxExport.LENS,
                                        lt))) {
            return new Output(
                    batch,
                    floats(r, OnnxExport.NEXT_ACTION, seq * batch * info.classes()),
                    floats(r, OnnxExport.BINARY, seq * batch * LstmNet.BINARY_HEADS),
                    floats(r, OnnxExport.H, batch * hs),
                    floats(r, OnnxExport.C, batch * hs));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Direct input buffers reused by one thread's calls: ORT reads a direct buffer in place, where
     * a heap array would cost a fresh direct copy per tensor per call.
     */
    private static final class Scratch {
        private FloatBuffer x = allocate(1024);
        private FloatBuffer h = allocate(1024);
        private FloatBuffer c = allocate(1024);

        FloatBuffer x(float[] v, int n) {
            x = fill(x, v, n);
            return x;
        }

        FloatBuffer h(float[] v, int n) {
            h = fill(h, v, n);
            return h;
        }

        FloatBuffer c(float[] v, int n) {
            c = fill(c, v, n);
            return c;
        }

        private static FloatBuffer fill(FloatBuffer buf, float[] v, int n) {
            if (buf.capacity() < n) {
                buf = allocate(Math.max(n, buf.capacity() * 2));
            }
            buf.clear();
            buf.put(v, 0, n);
            buf.flip();
            return buf;
        }

        private static FloatBuffer allocate(int floats) {
            return java.nio.ByteBuffer.allocateDirect(floats * 4)
                    .order(java.nio.ByteOrder.nativeOrder())
                    .asFloatBuffer();
        }
    }

    private static float[] floats(OrtSession.Result r, String name, int size) {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
        float[] out = new float[size];
        t.getFloatBuffer().get(out);
        return out;
    }
}
