package io.portrait.predict;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Writes an {@link LstmNet} as a standard ONNX model (opset 13): the {@code LSTM} operator in its
 * default sequence-first layout with {@code initial_h}/{@code initial_c} inputs and {@code
 * Y_h}/{@code Y_c} outputs, then the heads on the last hidden state.
 *
 * <pre>
 * inputs:  x [seq, batch, F]   h0 [1, batch, H]   c0 [1, batch, H]   lens [batch] (int32)
 * outputs: next_action [seq, batch, C] (softmax)   binary [seq, batch, 2] (sigmoid: purchase
 *          soon, churn) after every step;   h [1, batch, H]   c [1, batch, H]: the state after
 *          each row's last step ({@code lens[b]}; rows may have different lengths)
 * </pre>
 *
 * One step is a call with {@code seq = 1} and the stored (h, c); a user's queued events run as a
 * sequence in one call; a window is one call from zeros. Graph version {@value #GRAPH}.
 */
public final class OnnxExport {
    public static final int OPSET = 13;

    /** Version of this graph's inputs and outputs, in the metadata as portrait.graph. */
    public static final String GRAPH = "2";

    public static final String INPUT = "x";
    public static final String LENS = "lens";
    public static final String H0 = "h0";
    public static final String C0 = "c0";
    public static final String NEXT_ACTION = "next_action";
    public static final String BINARY = "binary";
    public static final String H = "h";
    public static final String C = "c";

    private OnnxExport() {}

    /** The model's bytes, with {@code metadata} as the model's metadata_props. */
    public static byte[] toOnnx(LstmNet net, Map<String, String> metadata) {
        int f = net.inputs;
        int hs = net.hidden;
        int classes = net.classes;
        GraphProto.Builder g = GraphProto.newBuilder().setName("portrait_next_action");
        g.addInput(tensorInfo(INPUT, "seq", "batch", f));
        g.addInput(tensorInfo(H0, 1, "batch", hs));
        g.addInput(tensorInfo(C0, 1, "batch", hs));
        g.addInput(lensInfo());

        g.addInitializer(floats("W", net, net.offW, new long[] {1, 4L * hs, f}, false, 0, 0));
        g.addInitializer(floats("R", net, net.offR, new long[] {1, 4L * hs, hs}, false, 0, 0));
        // B = [Wb, Rb]: our single bias goes into Wb, Rb is zero.
        float[] bias = new float[8 * hs];
        for (int r = 0; r < 4 * hs; r++) {
            bias[r] = (float) net.params[net.offB + r];
        }
        g.addInitializer(tensor("B", bias, new long[] {1, 8L * hs}));
        g.addInitializer(
                floats("Wy_t", net, net.offWy, new long[] {hs, classes}, true, classes, hs));
        g.addInitializer(floats("by", net, net.offBy, new long[] {classes}, false, 0, 0));
        g.addInitializer(
                floats(
                        "Wz_t",
                        net,
                        net.offWz,
                        new long[] {hs, LstmNet.BINARY_HEADS},
                        true,
                        LstmNet.BINARY_HEADS,
                        hs));
        g.addInitializer(
                floats("bz", net, net.offBz, new long[] {LstmNet.BINARY_HEADS}, false, 0, 0));
        g.addInitializer(
                TensorProto.newBuilder()
                        .setName("axis1")
                        .setDataType(TensorProto.DataType.INT64.getNumber())
                        .addDims(1)
                        .addInt64Data(1)
                        .build());

        g.addNode(
                NodeProto.newBuilder()
                        .setOpType("LSTM")
                        .setName("lstm")
                        .addInput(INPUT)
                        .addInput("W")
                        .addInput("R")
                        .addInput("B")
                        .addInput(LENS)
                        .addInput(H0)
                        .addInput(C0)
                        .addOutput("Y")
                        .addOutput(H)
                        .addOutput(C)
                        .addAttribute(intAttribute("hidden_size", hs))
                        .build());
        // Heads on every step's hidden state: Y [seq, 1, batch, H] -> [seq, batch, H].
        g.addNode(node("Squeeze", "h_all", "Y", "axis1"));
        g.addNode(node("MatMul", "logits_w", "h_all", "Wy_t"));
        g.addNode(node("Add", "logits", "logits_w", "by"));
        g.addNode(
                node("Softmax", NEXT_ACTION, "logits").toBuilder()
                        .addAttribute(intAttribute("axis", -1))
                        .build());
        g.addNode(node("MatMul", "z_w", "h_all", "Wz_t"));
        g.addNode(node("Add", "z", "z_w", "bz"));
        g.addNode(node("Sigmoid", BINARY, "z"));

        g.addOutput(tensorInfo(NEXT_ACTION, "seq", "batch", classes));
        g.addOutput(tensorInfo(BINARY, "seq", "batch", LstmNet.BINARY_HEADS));
        g.addOutput(tensorInfo(H, 1, "batch", hs));
        g.addOutput(tensorInfo(C, 1, "batch", hs));

        ModelProto.Builder m =
                ModelProto.newBuilder()
                        .setIrVersion(7)
                        .setProducerName("portrait")
                        .setProducerVersion(Encoding.VERSION)
                        .addOpsetImport(
                                OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                        .setGraph(g);
        m.addMetadataProps(
                StringStringEntryProto.newBuilder().setKey("portrait.graph").setValue(GRAPH));
        metadata.forEach(
                (k, v) ->
                        m.addMetadataProps(
                                StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build().toByteArray();
    }

    private static NodeProto node(String op, String output, String... inputs) {
        NodeProto.Builder n =
                NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        return n.build();
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    /** A slice of the net's parameters, optionally transposed from [rows][cols] to [cols][rows]. */
    private static TensorProto floats(
            String name,
            LstmNet net,
            int offset,
            long[] dims,
            boolean transpose,
            int rows,
            int cols) {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        float[] v = new float[(int) count];
        for (int i = 0; i < v.length; i++) {
            int src = transpose ? (i % rows) * cols + i / rows : i;
            v[i] = (float) net.params[offset + src];
        }
        return tensor(name, v, dims);
    }

    private static TensorProto tensor(String name, float[] values, long[] dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : values) {
            raw.putFloat(x);
        }
        raw.flip();
        TensorProto.Builder t =
                TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(TensorProto.DataType.FLOAT.getNumber())
                        .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** The sequence lengths input: int32 [batch]. */
    private static ValueInfoProto lensInfo() {
        TensorShapeProto shape =
                TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                        .build();
        TypeProto.Tensor tensor =
                TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.INT32.getNumber())
                        .setShape(shape)
                        .build();
        return ValueInfoProto.newBuilder()
                .setName(LENS)
                .setType(TypeProto.newBuilder().setTensorType(tensor))
                .build();
    }

    /** A float tensor's type; each dim is an Integer (fixed) or a String (symbolic). */
    private static ValueInfoProto tensorInfo(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer i) {
                dim.setDimValue(i);
            } else {
                dim.setDimParam((String) d);
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        TypeProto.newBuilder()
                                .setTensorType(
                                        TypeProto.Tensor.newBuilder()
                                                .setElemType(TensorProto.DataType.FLOAT.getNumber())
                                                .setShape(shape)))
                .build();
    }
}
