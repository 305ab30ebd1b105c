using System.Globalization;
using ColorKernels.Engine.Formats.Onnx;
using ColorKernels.Engine.Models;
using Google.Protobuf;

namespace ColorKernels.Engine.Export;

/// <summary>
/// Writes an ECCV16 model as a standard ONNX graph (opset 13): input "L" [N, 1, H, W] (L in 0..100, H and W
/// multiples of 8); outputs "logits" [N, 313, H/4, W/4] (regression head: [N, 2, H/4, W/4]) and "ab"
/// [N, 2, H/4, W/4], the annealed mean at the model's temperature (Mul by 1/T, Softmax over channels,
/// model_out as a 1x1 Conv, Mul by ab_scale), or the regression output x ab_scale. Layers map one to one
/// onto Conv, Relu, BatchNormalization and ConvTranspose with the model's own tensors as initializers.
/// The messages are the classes protoc generates from Engine/Formats/onnx.proto, written by Google.Protobuf.
/// </summary>
internal static class OnnxExport
{
    private const int Float = (int)TensorProto.Types.DataType.Float;

    public static byte[] Export(ModelFile model, string path)
    {
        NetworkConfig config = InferenceNetwork.Validate(model, path);
        if (config.Architecture is not Eccv16Architecture)
            throw new UserErrorException($"'{path}': the hint network ({Siggraph17Architecture.ArchitectureName}) is not exported to ONNX yet (its shortcuts and second head are not written); export an eccv16 model");
        var builder = new GraphBuilder();
        var graph = builder.Graph;
        void Node(string op, string[] inputs, string output, params AttributeProto[] attributes) => builder.Node(op, inputs, output, attributes);
        void Initializer(string name, int[] shape, float[] data) => builder.Initializer(name, shape, data);
        AttributeProto Ints(string name, params long[] values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }
        AttributeProto FloatAttribute(string name, float value) => new() { Name = name, F = value, Type = AttributeProto.Types.AttributeType.Float };

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
            Node("Softmax", new[] { "sharpened" }, "probabilities", IntAttribute("axis", 1));
            Node("Conv", new[] { "probabilities", "model_out.weight" }, "ab_normalised", Ints("kernel_shape", 1, 1));
            Node("Mul", new[] { "ab_normalised", "ab_scale" }, "ab");
        }
        foreach (StoredTensor t in model.Tensors)
            Initializer(t.Name, t.Shape, t.Data);

        graph.Name = $"colorkernels-eccv16-w{config.Width.ToString(CultureInfo.InvariantCulture)}";
        graph.Input.Add(ValueInfo("L", "N", 1, "H", "W"));
        graph.Output.Add(ValueInfo("logits", "N", config.Outputs, "H/4", "W/4"));
        graph.Output.Add(ValueInfo("ab", "N", 2, "H/4", "W/4"));
        return Model(graph);
    }

    /// <summary>An "int" attribute (axis, keepdims, transB).</summary>
    private static AttributeProto IntAttribute(string name, long value) => new() { Name = name, I = value, Type = AttributeProto.Types.AttributeType.Int };

    /// <summary>The model around <paramref name="graph"/>: IR version 7 (ONNX 1.8 and later), the default domain at opset 13.</summary>
    private static byte[] Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 7, ProducerName = "ColorKernels", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
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
        void Node(string op, string[] inputs, string output, params AttributeProto[] attributes) => builder.Node(op, inputs, output, attributes);
        void Initializer(string name, int[] shape, float[] data) => builder.Initializer(name, shape, data);

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
        graph.Name = "colorkernels-som-mlp";
        graph.Input.Add(ValueInfo("patches", "N", sizes[0]));
        graph.Output.Add(ValueInfo("logits", "N", somMlp.Map.Neurons));
        graph.Output.Add(ValueInfo("ab", "N", 2));
        return Model(graph);
    }

    /// <summary>Builds a graph: its nodes (numbered op names) and float initializers.</summary>
    private sealed class GraphBuilder
    {
        private int count;

        public GraphProto Graph { get; } = new();

        public void Node(string op, string[] inputs, string output, AttributeProto[] attributes)
        {
            var node = new NodeProto { Name = $"{op}_{count++}", OpType = op };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            Graph.Node.Add(node);
        }

        public void Initializer(string name, int[] shape, float[] data)
        {
            var raw = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, raw, 0, raw.Length);
            var t = new TensorProto { DataType = Float, Name = name, RawData = ByteString.CopyFrom(raw) };
            t.Dims.AddRange(shape.Select(d => (long)d));
            Graph.Initializer.Add(t);
        }
    }

    /// <summary>A float tensor's name and shape (each dimension a number or a symbolic name such as "N").</summary>
    private static ValueInfoProto ValueInfo(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object d in dims)
            shape.Dim.Add(d is int value ? new TensorShapeProto.Types.Dimension { DimValue = value } : new TensorShapeProto.Types.Dimension { DimParam = (string)d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = Float, Shape = shape } } };
    }
}
