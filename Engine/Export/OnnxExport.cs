using System.Globalization;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Export;

/// <summary>
/// Writes an ECCV16 model as a standard ONNX graph (opset 13): input "L" [N, 1, H, W] (L in 0..100, H and W
/// multiples of 8); outputs "logits" [N, 313, H/4, W/4] (regression head: [N, 2, H/4, W/4]) and "ab"
/// [N, 2, H/4, W/4], the annealed mean at the model's temperature (Mul by 1/T, Softmax over channels,
/// model_out as a 1x1 Conv, Mul by ab_scale), or the regression output x ab_scale. Layers map one to one
/// onto Conv, Relu, BatchNormalization and ConvTranspose with the model's own tensors as initializers.
/// </summary>
internal static class OnnxExport
{
    private const int Float = 1;                                      // TensorProto.DataType.FLOAT
    private const int AttributeFloat = 1, AttributeInts = 7;          // AttributeProto.AttributeType

    public static byte[] Export(ModelFile model, string path)
    {
        Eccv16Config config = Eccv16InferenceNetwork.Validate(model, path);
        var builder = new GraphBuilder();
        var graph = builder.Graph;
        var initializers = builder.Initializers;
        void Node(string op, string[] inputs, string output, params Protobuf[] attributes) => builder.Node(op, inputs, output, attributes);
        void Initializer(string name, int[] shape, float[] data) => builder.Initializer(name, shape, data);
        Protobuf Ints(string name, params long[] values)
        {
            var a = new Protobuf().String(1, name);
            foreach (long v in values)
                a.Int(8, v);
            return a.Int(20, AttributeInts);
        }
        Protobuf FloatAttribute(string name, float value) => new Protobuf().String(1, name).Float(2, value).Int(20, AttributeFloat);

        Initializer("l_center", new[] { 1 }, new[] { config.LCenter });
        Initializer("l_scale", new[] { 1 }, new[] { config.LScale });
        Node("Sub", new[] { "L", "l_center" }, "l_centered");
        Node("Div", new[] { "l_centered", "l_scale" }, "l_normalised");
        string x = "l_normalised";
        IReadOnlyList<LayerSpec> layers = Eccv16Architecture.Layers(config.Width, config.Regression);
        foreach (LayerSpec l in layers)
        {
            string output = l == layers[^1] ? "logits" : l.Prefix + ".out";
            // The node's inputs: the activation, then the layer's tensors in file order (ONNX's order for each op).
            string[] inputs = new[] { x }.Concat(l.Tensors().Select(t => t.Name)).ToArray();
            switch (l.Kind)
            {
                case LayerKind.Conv:
                    Node("Conv", inputs, output, Ints("kernel_shape", l.Kernel, l.Kernel), Ints("strides", l.Stride, l.Stride),
                        Ints("pads", l.Pad, l.Pad, l.Pad, l.Pad), Ints("dilations", l.Dilation, l.Dilation));
                    break;
                case LayerKind.ConvTranspose:
                    Node("ConvTranspose", inputs, output, Ints("kernel_shape", l.Kernel, l.Kernel), Ints("strides", l.Stride, l.Stride), Ints("pads", l.Pad, l.Pad, l.Pad, l.Pad));
                    break;
                case LayerKind.Relu:
                    Node("Relu", inputs, output);
                    break;
                case LayerKind.BatchNorm:
                    Node("BatchNormalization", inputs, output, FloatAttribute("epsilon", config.BnEps));
                    break;
            }
            x = output;
        }
        Initializer("ab_scale", new[] { 1 }, new[] { config.AbScale });
        if (config.Regression)
        {
            Node("Mul", new[] { "logits", "ab_scale" }, "ab");
        }
        else
        {
            Initializer("inverse_temperature", new[] { 1 }, new[] { 1f / config.Temperature });
            Node("Mul", new[] { "logits", "inverse_temperature" }, "sharpened");
            Node("Softmax", new[] { "sharpened" }, "probabilities", new Protobuf().String(1, "axis").Int(3, 1).Int(20, 2));
            Node("Conv", new[] { "probabilities", "model_out.weight" }, "ab_normalised", Ints("kernel_shape", 1, 1));
            Node("Mul", new[] { "ab_normalised", "ab_scale" }, "ab");
        }
        foreach (StoredTensor t in model.Tensors)
            Initializer(t.Name, t.Shape, t.Data);

        graph.String(2, $"colorkernels-eccv16-w{config.Width.ToString(CultureInfo.InvariantCulture)}");
        foreach (Protobuf init in initializers)
            graph.Message(5, init);
        graph.Message(11, ValueInfo("L", "N", 1, "H", "W"));
        graph.Message(12, ValueInfo("logits", "N", config.Outputs, "H/4", "W/4"));
        graph.Message(12, ValueInfo("ab", "N", 2, "H/4", "W/4"));

        return new Protobuf()
            .Int(1, 7)                                                  // ir_version 7 (ONNX 1.8+)
            .String(2, "ColorKernels")
            .Message(7, graph)
            .Message(8, new Protobuf().String(1, "").Int(2, 13))        // opset 13
            .ToArray();
    }

    /// <summary>
    /// Writes a SOM + MLP model as an ONNX graph (opset 13): input "patches" [N, K K] (L / 100 of each K x K
    /// patch, row-major; [N, 2 K K] for a model with a context patch: the patch, then the context patch); outputs "logits" [N, classes] (Gemm layers with Relu between) and "ab" [N, 2], decoded
    /// as colorize does at the model's temperature: the annealed mean (Softmax of logits / T, MatMul with the
    /// codebook), or at temperature 0 the arg-max class's codeword (ArgMax, then Gather).
    /// </summary>
    public static byte[] ExportSomMlp(ModelFile model, string path)
    {
        var somMlp = Som.SomMlpModel.FromModelFile(model, path);
        var builder = new GraphBuilder();
        var graph = builder.Graph;
        var initializers = builder.Initializers;
        void Node(string op, string[] inputs, string output, params Protobuf[] attributes) => builder.Node(op, inputs, output, attributes);
        void Initializer(string name, int[] shape, float[] data) => builder.Initializer(name, shape, data);
        Protobuf IntAttribute(string name, long value) => new Protobuf().String(1, name).Int(3, value).Int(20, 2);

        int[] sizes = new[] { Som.SomMlpModel.Features(somMlp.Patch, somMlp.Context) }.Concat(somMlp.Hidden).Append(somMlp.Map.Neurons).ToArray();
        string x = "patches";
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            Initializer($"layer{i}.weight", new[] { sizes[i + 1], sizes[i] }, somMlp.Weights[2 * i]);
            Initializer($"layer{i}.bias", new[] { sizes[i + 1] }, somMlp.Weights[2 * i + 1]);
            bool last = i + 2 == sizes.Length;
            string z = last ? "logits" : $"layer{i}.z";
            Node("Gemm", new[] { x, $"layer{i}.weight", $"layer{i}.bias" }, z, IntAttribute("transB", 1));
            if (!last)
            {
                Node("Relu", new[] { z }, $"layer{i}.out");
                x = $"layer{i}.out";
            }
        }
        Initializer("codebook", new[] { somMlp.Map.Neurons, 2 }, somMlp.Map.Codebook);
        if (somMlp.Temperature > 0)
        {
            // The annealed mean, as colorize decodes: softmax(logits / T) x codebook.
            Initializer("inverse_temperature", new[] { 1 }, new[] { 1f / somMlp.Temperature });
            Node("Mul", new[] { "logits", "inverse_temperature" }, "scaled_logits");
            Node("Softmax", new[] { "scaled_logits" }, "probabilities", IntAttribute("axis", 1));
            Node("MatMul", new[] { "probabilities", "codebook" }, "ab");
        }
        else
        {
            Node("ArgMax", new[] { "logits" }, "class", IntAttribute("axis", 1), IntAttribute("keepdims", 0));
            Node("Gather", new[] { "codebook", "class" }, "ab", IntAttribute("axis", 0));
        }
        graph.String(2, "colorkernels-som-mlp");
        foreach (Protobuf init in initializers)
            graph.Message(5, init);
        graph.Message(11, ValueInfo("patches", "N", sizes[0]));
        graph.Message(12, ValueInfo("logits", "N", somMlp.Map.Neurons));
        graph.Message(12, ValueInfo("ab", "N", 2));
        return new Protobuf().Int(1, 7).String(2, "ColorKernels").Message(7, graph).Message(8, new Protobuf().String(1, "").Int(2, 13)).ToArray();
    }

    /// <summary>Accumulates a graph's nodes (numbered op names) and float initializers.</summary>
    private sealed class GraphBuilder
    {
        private int count;

        public Protobuf Graph { get; } = new();

        public List<Protobuf> Initializers { get; } = new();

        public void Node(string op, string[] inputs, string output, Protobuf[] attributes)
        {
            var node = new Protobuf();
            foreach (string input in inputs)
                node.String(1, input);
            node.String(2, output).String(3, $"{op}_{count++}").String(4, op);
            foreach (Protobuf attribute in attributes)
                node.Message(5, attribute);
            Graph.Message(1, node);
        }

        public void Initializer(string name, int[] shape, float[] data)
        {
            var t = new Protobuf();
            foreach (int d in shape)
                t.Int(1, d);
            t.Int(2, Float).String(8, name);
            var raw = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, raw, 0, raw.Length);
            t.Bytes(9, raw);
            Initializers.Add(t);
        }
    }

    private static Protobuf ValueInfo(string name, params object[] dims)
    {
        var shape = new Protobuf();
        foreach (object d in dims)
            shape.Message(1, d is int value ? new Protobuf().Int(1, value) : new Protobuf().String(2, (string)d));
        var tensorType = new Protobuf().Int(1, Float).Message(2, shape);
        return new Protobuf().String(1, name).Message(2, new Protobuf().Message(1, tensorType));
    }
}
