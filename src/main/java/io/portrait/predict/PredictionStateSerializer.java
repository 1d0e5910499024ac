package io.portrait.predict;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The explicit serializer of {@link PredictionState}: it is read and written on every event, so it
 * writes raw float bits and bytes without the POJO serializer's reflection, and the model digest as
 * 32 bytes instead of 64 characters. Format version 1 (the snapshot's version); a layout change
 * bumps it and reads the old one.
 *
 * <pre>
 * u8 format(1) | i32 H | f32le[H] h | f32le[H] c | u8[32] digest (or 0-length marker)
 * | utf model label | i32 C | f32le[C] next action | f32 purchase | f32 churn | i64 last ts
 * | i32 n | u8[n] history
 * </pre>
 */
public final class PredictionStateSerializer extends TypeSerializerSingleton<PredictionState> {
    private static final long serialVersionUID = 1L;
    public static final PredictionStateSerializer INSTANCE = new PredictionStateSerializer();
    private static final int FORMAT = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public PredictionState createInstance() {
        return new PredictionState();
    }

    @Override
    public PredictionState copy(PredictionState from) {
        PredictionState s = new PredictionState();
        s.h = from.h == null ? null : from.h.clone();
        s.c = from.c == null ? null : from.c.clone();
        s.modelDigest = from.modelDigest == null ? null : from.modelDigest.clone();
        s.modelVersion = from.modelVersion;
        s.nextAction = from.nextAction == null ? null : from.nextAction.clone();
        s.purchaseSoon = from.purchaseSoon;
        s.churn = from.churn;
        s.lastTs = from.lastTs;
        s.history = from.history == null ? null : from.history.clone();
        return s;
    }

    @Override
    public PredictionState copy(PredictionState from, PredictionState reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(PredictionState s, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        writeFloats(s.h, out);
        writeFloats(s.c, out);
        if (s.modelDigest == null) {
            out.writeByte(0);
        } else {
            out.writeByte(s.modelDigest.length);
            out.write(s.modelDigest);
        }
        out.writeUTF(s.modelVersion == null ? "" : s.modelVersion);
        writeFloats(s.nextAction, out);
        out.writeFloat(s.purchaseSoon);
        out.writeFloat(s.churn);
        out.writeLong(s.lastTs);
        if (s.history == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(s.history.length);
            out.write(s.history);
        }
    }

    @Override
    public PredictionState deserialize(DataInputView in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT) {
            throw new IOException("unknown prediction state format " + format);
        }
        PredictionState s = new PredictionState();
        s.h = readFloats(in);
        s.c = readFloats(in);
        int digestLength = in.readUnsignedByte();
        if (digestLength > 0) {
            s.modelDigest = new byte[digestLength];
            in.readFully(s.modelDigest);
        }
        String label = in.readUTF();
        s.modelVersion = label.isEmpty() ? null : label;
        s.nextAction = readFloats(in);
        s.purchaseSoon = in.readFloat();
        s.churn = in.readFloat();
        s.lastTs = in.readLong();
        int n = in.readInt();
        if (n >= 0) {
            s.history = new byte[n];
            in.readFully(s.history);
        }
        return s;
    }

    @Override
    public PredictionState deserialize(PredictionState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    private static void writeFloats(float[] v, DataOutputView out) throws IOException {
        if (v == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(v.length);
        // One bulk copy, little-endian (the machine order: no byte swapping).
        byte[] bytes = new byte[v.length * 4];
        java.nio.ByteBuffer.wrap(bytes)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .put(v);
        out.write(bytes);
    }

    private static float[] readFloats(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        float[] v = new float[n];
        byte[] bytes = new byte[n * 4];
        in.readFully(bytes);
        java.nio.ByteBuffer.wrap(bytes)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(v);
        return v;
    }

    @Override
    public TypeSerializerSnapshot<PredictionState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores this serializer from checkpoints and savepoints. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<PredictionState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
