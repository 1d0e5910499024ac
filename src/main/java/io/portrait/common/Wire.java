package io.portrait.common;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The byte format of the user state: unsigned LEB128 varints, zig-zag for signed values, IEEE
 * doubles and floats, length-prefixed UTF-8 strings (length + 1, 0 for null). Plain Java so that
 * every module can write its own record; the user operator prefixes the whole value with a format
 * version. {@link Out} always hands out a fresh array ({@link Out#toByteArray()}): the heap state
 * backend keeps the object it is given, so a reused buffer would corrupt stored state.
 */
public final class Wire {
    private Wire() {}

    /** A growing output buffer. */
    public static final class Out {
        private byte[] buf;
        private int pos;

        public Out(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        public Out byte1(int b) {
            ensure(1);
            buf[pos++] = (byte) b;
            return this;
        }

        public Out bool(boolean b) {
            return byte1(b ? 1 : 0);
        }

        /** Unsigned varint of a non-negative or unsigned 64-bit value. */
        public Out uvar(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
            return this;
        }

        /** Signed varint (zig-zag). */
        public Out svar(long v) {
            return uvar((v << 1) ^ (v >> 63));
        }

        public Out fixed64(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) {
                buf[pos++] = (byte) (v >>> (8 * i));
            }
            return this;
        }

        public Out f64(double d) {
            return fixed64(Double.doubleToRawLongBits(d));
        }

        public Out f32(float f) {
            int v = Float.floatToRawIntBits(f);
            ensure(4);
            for (int i = 0; i < 4; i++) {
                buf[pos++] = (byte) (v >>> (8 * i));
            }
            return this;
        }

        public Out str(String s) {
            if (s == null) {
                return uvar(0);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            uvar(b.length + 1L);
            return raw(b);
        }

        /** A length-prefixed byte array (null allowed). */
        public Out bytes(byte[] b) {
            if (b == null) {
                return uvar(0);
            }
            uvar(b.length + 1L);
            return raw(b);
        }

        public Out raw(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
            return this;
        }

        public Out floats(float[] a) {
            if (a == null) {
                return uvar(0);
            }
            uvar(a.length + 1L);
            for (float f : a) {
                f32(f);
            }
            return this;
        }

        public Out doubles(double[] a) {
            if (a == null) {
                return uvar(0);
            }
            uvar(a.length + 1L);
            for (double d : a) {
                f64(d);
            }
            return this;
        }

        public int size() {
            return pos;
        }

        /** A fresh copy of what was written. */
        public byte[] toByteArray() {
            return Arrays.copyOf(buf, pos);
        }
    }

    /** Reads what {@link Out} wrote; throws {@link IllegalStateException} past the end. */
    public static final class In {
        private final byte[] buf;
        private int pos;
        private final int end;

        public In(byte[] buf) {
            this(buf, 0, buf.length);
        }

        public In(byte[] buf, int from, int to) {
            this.buf = buf;
            this.pos = from;
            this.end = to;
        }

        public boolean more() {
            return pos < end;
        }

        public int position() {
            return pos;
        }

        private void need(int n) {
            if (pos + n > end) {
                throw new IllegalStateException(
                        "user state is truncated at byte " + pos + " (needs " + n + " more)");
            }
        }

        public int byte1() {
            need(1);
            return buf[pos++] & 0xFF;
        }

        public boolean bool() {
            return byte1() != 0;
        }

        public long uvar() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = byte1();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalStateException("malformed varint at byte " + pos);
        }

        public int uvarInt() {
            long v = uvar();
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new IllegalStateException("length out of range at byte " + pos + ": " + v);
            }
            return (int) v;
        }

        public long svar() {
            long v = uvar();
            return (v >>> 1) ^ -(v & 1);
        }

        public long fixed64() {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (buf[pos++] & 0xFFL) << (8 * i);
            }
            return v;
        }

        public double f64() {
            return Double.longBitsToDouble(fixed64());
        }

        public float f32() {
            need(4);
            int v = 0;
            for (int i = 0; i < 4; i++) {
                v |= (buf[pos++] & 0xFF) << (8 * i);
            }
            return Float.intBitsToFloat(v);
        }

        /** A length (stored as n + 1, 0 for null); -1 for null. */
        private int length() {
            int n = uvarInt();
            if (n > 0) {
                need(n - 1);
            }
            return n - 1;
        }

        public String str() {
            int n = length();
            if (n < 0) {
                return null;
            }
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        public byte[] bytes() {
            int n = length();
            if (n < 0) {
                return null;
            }
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        public float[] floats() {
            int n = uvarInt() - 1;
            if (n < 0) {
                return null;
            }
            need(4 * n);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = f32();
            }
            return a;
        }

        public double[] doubles() {
            int n = uvarInt() - 1;
            if (n < 0) {
                return null;
            }
            need(8 * n);
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = f64();
            }
            return a;
        }
    }
}
