using System.Globalization;
using System.Text.Json.Nodes;

namespace ColorKernels.Engine.Models;

/// <summary>
/// The kinds of layer in the ECCV16 and hint networks. ReLU, tanh and add work in place on their input's
/// tensor; add sums its input and <see cref="LayerSpec.Other"/> (a shortcut connection).
/// </summary>
internal enum LayerKind { Conv, ConvTranspose, Relu, BatchNorm, Add, Tanh }

/// <summary>
/// One layer of the network; <see cref="Prefix"/> is its PyTorch key prefix ("model3.4"). It reads the
/// previous layer's output, or <see cref="Input"/>'s (a layer's prefix) when given; an add layer also reads
/// <see cref="Other"/>'s.
/// </summary>
internal sealed record LayerSpec(LayerKind Kind, string Prefix, int InChannels, int OutChannels,
    int Kernel = 0, int Stride = 1, int Pad = 0, int Dilation = 1)
{
    /// <summary>The layer whose output this one reads (null: the previous layer's).</summary>
    public string? Input { get; init; }

    /// <summary>An add layer's second input (the shortcut's layer).</summary>
    public string? Other { get; init; }

    /// <summary>Whether the layer overwrites its input's tensor with its output (its backward pass needs only its output, or nothing).</summary>
    public bool InPlace => Kind is LayerKind.Relu or LayerKind.Tanh or LayerKind.Add;

    /// <summary>The spatial size this layer produces from an input of <paramref name="h"/> x <paramref name="w"/>.</summary>
    public (int H, int W) OutputSize(int h, int w) => Kind switch
    {
        LayerKind.Conv => (Kernels.Convolution.Conv2dArgs.ForwardOutputSize(h, Kernel, Stride, Pad, Dilation),
            Kernels.Convolution.Conv2dArgs.ForwardOutputSize(w, Kernel, Stride, Pad, Dilation)),
        LayerKind.ConvTranspose => (Kernels.Convolution.Conv2dArgs.TransposedOutputSize(h, Kernel, Stride, Pad),
            Kernels.Convolution.Conv2dArgs.TransposedOutputSize(w, Kernel, Stride, Pad)),
        _ => (h, w),
    };

    /// <summary>
    /// The tensors this layer keeps, in model-file order, named as PyTorch's state dict names them: a
    /// convolution's weight ([OutC, InC, K, K]; transposed [InC, OutC, K, K]) and bias; a batch norm's
    /// weight (gamma), bias (beta), running_mean and running_var (not parameters). A ReLU has none.
    /// </summary>
    public IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors() => Kind switch
    {
        LayerKind.Conv => new[] { ($"{Prefix}.weight", new[] { OutChannels, InChannels, Kernel, Kernel }, true), ($"{Prefix}.bias", new[] { OutChannels }, true) },
        LayerKind.ConvTranspose => new[] { ($"{Prefix}.weight", new[] { InChannels, OutChannels, Kernel, Kernel }, true), ($"{Prefix}.bias", new[] { OutChannels }, true) },
        LayerKind.BatchNorm => new[]
        {
            ($"{Prefix}.weight", new[] { OutChannels }, true), ($"{Prefix}.bias", new[] { OutChannels }, true),
            ($"{Prefix}.running_mean", new[] { OutChannels }, false), ($"{Prefix}.running_var", new[] { OutChannels }, false),
        },
        _ => Array.Empty<(string, int[], bool)>(),
    };

    /// <summary>Multiply-adds of this layer on an input of <paramref name="h"/> x <paramref name="w"/> (a transposed conv scatters K x K taps from each input pixel).</summary>
    public long MultiplyAdds(int h, int w) => Kind switch
    {
        LayerKind.Conv => (long)OutputSize(h, w).H * OutputSize(h, w).W * OutChannels * InChannels * Kernel * Kernel,
        LayerKind.ConvTranspose => (long)h * w * OutChannels * InChannels * Kernel * Kernel,
        _ => 0,
    };
}

/// <summary>
/// Hyper-parameters of an ECCV16 model (the model file's header), or of the hint network built on its trunk
/// (<see cref="Hints"/>: architecture "siggraph17", see <see cref="Eccv16Architecture.Layers(Eccv16Config)"/>).
/// </summary>
internal sealed record Eccv16Config(double Width, float Temperature = 0.38f, float LCenter = 50f, float LScale = 100f,
    float AbScale = 110f, float BnEps = 1e-5f, bool Regression = false, bool Hints = false, float MaskCenter = 0.5f)
{
    public const string ArchitectureName = "eccv16";

    /// <summary>The hint network's architecture name (Zhang, Zhu et al., SIGGRAPH 2017).</summary>
    public const string HintArchitectureName = "siggraph17";

    public const int Bins = 313;

    /// <summary>Input channels: L; the hint network also reads hint a, b and the hint mask.</summary>
    public int InputChannels => Hints ? 4 : 1;

    /// <summary>The prefix of the hint network's classification head (logits over the bins at a quarter of the input).</summary>
    public const string ClassHead = "model8.6";

    /// <summary>The file's architecture name.</summary>
    public string Architecture => Hints ? HintArchitectureName : ArchitectureName;

    /// <summary>"classification" (313 bins, the paper's model) or "regression" (2 channels predicting ab / ab_scale, the paper's L2 baseline).</summary>
    public string Head => Regression ? "regression" : "classification";

    /// <summary>Output channels of the last convolution: the bins, or a and b.</summary>
    public int Outputs => Regression ? 2 : Bins;

    /// <summary>The hint network's heads, as its header lists them.</summary>
    public const string HintHeads = "regression+classification";

    public JsonObject ToHeader()
    {
        var header = new JsonObject
        {
            ["architecture"] = Architecture,
            ["width"] = Width,
            ["bins"] = Bins,
            ["temperature"] = Temperature,
            ["l_center"] = LCenter,
            ["l_scale"] = LScale,
            ["ab_scale"] = AbScale,
            ["bn_eps"] = BnEps,
            ["head"] = Hints ? HintHeads : Head,
        };
        if (Hints)
        {
            // ECCV16 files keep their header as it always was (one input channel is implied).
            header["input_channels"] = InputChannels;
            header["mask_center"] = MaskCenter;
        }
        return header;
    }

    public static Eccv16Config FromHeader(JsonObject header, string path)
    {
        double Number(string key) => ModelFile.Number(header, key, path);
        bool hints = header["architecture"]?.GetValue<string>() == HintArchitectureName;
        int bins = (int)Number("bins");
        if (bins != Bins)
            throw new UserErrorException($"'{path}': {bins} bins; the {(hints ? HintArchitectureName : ArchitectureName)} architecture has {Bins}");
        string head = header["head"] is JsonValue h && h.GetValueKind() == System.Text.Json.JsonValueKind.String ? h.GetValue<string>() : "classification";
        if (hints ? head != HintHeads : head is not ("classification" or "regression"))
            throw new UserErrorException($"'{path}': head '{head}' is unknown ({(hints ? HintHeads : "classification or regression")})");
        int channels = header["input_channels"] is null ? 1 : ModelFile.Integer(header, "input_channels", path, 1, 4);
        if (channels != (hints ? 4 : 1))
            throw new UserErrorException($"'{path}': {channels} input channels; the {(hints ? HintArchitectureName : ArchitectureName)} architecture reads {(hints ? 4 : 1)}");
        float maskCenter = hints ? (float)Number("mask_center") : 0.5f;
        if (!(maskCenter >= 0 && maskCenter <= 1))
            throw new UserErrorException($"'{path}': header field 'mask_center' is {maskCenter}; from 0 to 1 expected");
        var config = new Eccv16Config(Number("width"), (float)Number("temperature"), (float)Number("l_center"),
            (float)Number("l_scale"), (float)Number("ab_scale"), (float)Number("bn_eps"), head == "regression", hints, maskCenter);
        if (!(config.Width > 0) || !(config.Temperature > 0) || config.LScale == 0 || !(config.BnEps > 0))
            throw new UserErrorException($"'{path}': header values out of range (width {config.Width}, temperature {config.Temperature}, l_scale {config.LScale}, bn_eps {config.BnEps})");
        return config;
    }
}

/// <summary>
/// The layer list of Zhang et al.'s released network (the PyTorch port's eccv16.py), with every channel
/// count scaled by the width multiplier. Blocks 1-7: 3x3 convs with ReLU, batch norm after the last
/// ReLU; conv1_2, conv2_2, conv3_3 have stride 2; blocks 5 and 6 use dilation 2 (padding 2). Block 8:
/// a 4x4 stride-2 transposed conv, two 3x3 convs (ReLU after each) and a 1x1 conv to 313 logits.
/// </summary>
internal static class Eccv16Architecture
{
    private static readonly int[] BaseChannels = { 64, 128, 256, 512, 512, 512, 512, 256 };
    private static readonly int[] ConvsPerBlock = { 2, 2, 3, 3, 3, 3, 3 };

    public static int Channels(double width, int block) =>
        Math.Max(1, (int)Math.Round(BaseChannels[block] * width, MidpointRounding.AwayFromZero));

    public static IReadOnlyList<LayerSpec> Layers(double width, bool regression = false) => Layers(width, regression, hints: false);

    /// <summary>The layers of <paramref name="config"/>'s network (ECCV16, or the hint network).</summary>
    public static IReadOnlyList<LayerSpec> Layers(Eccv16Config config) => Layers(config.Width, config.Regression, config.Hints);

    /// <summary>
    /// With <paramref name="hints"/>, the hint network (Zhang, Zhu et al. 2017, on ECCV16's trunk): the
    /// first conv reads 4 channels (L, hint a and b, mask); block 8 is ECCV16's with a shortcut added after
    /// its upsampling (a 3x3 conv of block 2's output, at a quarter of the input), and its 1x1 conv to 313
    /// logits is the classification head (model8.6, as in ECCV16, so an ECCV16 model's weights fit it).
    /// Two more decoder blocks bring the features to half and full resolution, each a 4x4 stride-2
    /// transposed conv plus a 3x3 conv shortcut from the trunk (block 1's output at half; conv1_1's, the one
    /// full-resolution layer of the trunk, at full), then ReLU, a 3x3 conv and ReLU; a 1x1 conv to 2 channels
    /// and tanh give ab / ab_scale at the input's resolution (the regression head). Channels 128 x width
    /// in blocks 9 and 10, as in the paper. ECCV16's trunk downsamples by stride-2 convs where the paper's
    /// own network subsamples; the shortcuts come from where the trunk is at each resolution.
    /// </summary>
    public static IReadOnlyList<LayerSpec> Layers(double width, bool regression, bool hints)
    {
        var layers = new List<LayerSpec>();
        int input = hints ? 4 : 1;
        for (int b = 0; b < 7; b++)
        {
            int c = Channels(width, b);
            string block = "model" + (b + 1).ToString(CultureInfo.InvariantCulture);
            int n = ConvsPerBlock[b];
            for (int i = 0; i < n; i++)
            {
                bool last = i == n - 1;
                int stride = last && b < 3 ? 2 : 1;
                int dilation = b is 4 or 5 ? 2 : 1;
                layers.Add(new LayerSpec(LayerKind.Conv, $"{block}.{2 * i}", input, c, 3, stride, dilation, dilation));
                layers.Add(new LayerSpec(LayerKind.Relu, $"{block}.{2 * i + 1}", c, c));
                input = c;
            }
            layers.Add(new LayerSpec(LayerKind.BatchNorm, $"{block}.{2 * n}", c, c));
        }
        int c8 = Channels(width, 7);
        if (hints)
            return HintDecoder(layers, width, input, c8);
        layers.Add(new LayerSpec(LayerKind.ConvTranspose, "model8.0", input, c8, 4, 2, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.1", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.2", c8, c8, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.3", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.4", c8, c8, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.5", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.6", c8, regression ? 2 : Eccv16Config.Bins, 1, 1, 0));
        return layers;
    }

    /// <summary>The channels of the hint network's half- and full-resolution decoder blocks (128 x width).</summary>
    public static int DecoderChannels(double width) => Math.Max(1, (int)Math.Round(128 * width, MidpointRounding.AwayFromZero));

    private static IReadOnlyList<LayerSpec> HintDecoder(List<LayerSpec> layers, double width, int input, int c8)
    {
        int c1 = Channels(width, 0), c2 = Channels(width, 1), c9 = DecoderChannels(width);
        // Quarter resolution: ECCV16's block 8 with block 2's shortcut; its logits are the classification head.
        UpBlock(layers, 8, layers[^1].Prefix, input, c8, "model2.4", c2);
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.4", c8, c8, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.5", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, Eccv16Config.ClassHead, c8, Eccv16Config.Bins, 1, 1, 0));
        // Half resolution, with block 1's output; full, with conv1_1's (after its ReLU).
        UpBlock(layers, 9, "model8.5", c8, c9, "model1.4", c1);
        UpBlock(layers, 10, "model9.3", c9, c9, "model1.1", c1);
        layers.Add(new LayerSpec(LayerKind.Conv, "model_ab", c9, 2, 1, 1, 0));
        layers.Add(new LayerSpec(LayerKind.Tanh, "model_ab.tanh", 2, 2));
        return layers;
    }

    /// <summary>
    /// One decoder block b of the hint network, doubling the resolution: shortB, a 3x3 conv of the trunk's
    /// <paramref name="shortcut"/> output; modelB.0, a 4x4 stride-2 transposed conv of <paramref name="from"/>'s
    /// output; addB, their sum; then ReLU, a 3x3 conv and ReLU (modelB.1-3).
    /// </summary>
    private static void UpBlock(List<LayerSpec> layers, int b, string from, int inChannels, int channels, string shortcut, int shortcutChannels)
    {
        string block = "model" + b.ToString(CultureInfo.InvariantCulture), shortName = "short" + b.ToString(CultureInfo.InvariantCulture);
        layers.Add(new LayerSpec(LayerKind.Conv, shortName, shortcutChannels, channels, 3, 1, 1) { Input = shortcut });
        layers.Add(new LayerSpec(LayerKind.ConvTranspose, block + ".0", inChannels, channels, 4, 2, 1) { Input = from });
        layers.Add(new LayerSpec(LayerKind.Add, "add" + b.ToString(CultureInfo.InvariantCulture), channels, channels) { Other = shortName });
        layers.Add(new LayerSpec(LayerKind.Relu, block + ".1", channels, channels));
        layers.Add(new LayerSpec(LayerKind.Conv, block + ".2", channels, channels, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, block + ".3", channels, channels));
    }

    /// <summary>Every tensor a model file of <paramref name="config"/>'s network must hold, in file order.</summary>
    public static IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors(Eccv16Config config) =>
        config.Hints ? Layers(config).SelectMany(l => l.Tensors()).ToList() : Tensors(config.Width, config.Regression);

    /// <summary>Every tensor a model file of this width must hold, in file order, with its shape.</summary>
    public static IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors(double width, bool regression = false)
    {
        var tensors = Layers(width, regression).SelectMany(l => l.Tensors()).ToList();
        if (!regression)
            tensors.Add(("model_out.weight", new[] { 2, Eccv16Config.Bins, 1, 1 }, true));
        return tensors;
    }

    /// <summary>Trainable parameters (batch-norm running statistics excluded, as PyTorch counts them).</summary>
    public static long ParameterCount(double width, bool regression = false) => ParameterCount(new Eccv16Config(width, Regression: regression));

    /// <summary>Trainable parameters of <paramref name="config"/>'s network.</summary>
    public static long ParameterCount(Eccv16Config config) =>
        Tensors(config).Where(t => t.IsParameter).Sum(t => t.Shape.Aggregate(1L, (a, d) => a * d));

    /// <summary>
    /// Multiply-adds of one forward pass of <paramref name="config"/>'s network at <paramref name="height"/> x
    /// <paramref name="width"/> (the hint network: both heads, its layers' sizes followed through their inputs).
    /// </summary>
    public static long MultiplyAdds(Eccv16Config config, int height, int width)
    {
        if (!config.Hints)
            return MultiplyAdds(config.Width, height, width, config.Regression);
        var sizes = new Dictionary<string, (int H, int W)>(StringComparer.Ordinal);
        (int H, int W) previous = (height, width);
        long total = 0;
        foreach (LayerSpec l in Layers(config))
        {
            var (h, w) = l.Input is null ? previous : sizes[l.Input];
            total += l.MultiplyAdds(h, w);
            previous = sizes[l.Prefix] = l.OutputSize(h, w);
        }
        return total;
    }

    /// <summary>Multiply-adds of one forward pass at <paramref name="height"/> x <paramref name="width"/> input (convolutions and the 313->2 decode).</summary>
    public static long MultiplyAdds(double channelWidth, int height, int width, bool regression = false)
    {
        long total = 0;
        int h = height, w = width;
        foreach (LayerSpec l in Layers(channelWidth, regression))
        {
            total += l.MultiplyAdds(h, w);
            (h, w) = l.OutputSize(h, w);
        }
        return total + (regression ? 0 : (long)h * w * Eccv16Config.Bins * 2);
    }

    /// <summary>The bin centres as a palette [313, 2], a and b interleaved (what the palette decode takes).</summary>
    public static float[] Palette()
    {
        var palette = new float[2 * Eccv16Config.Bins];
        for (int q = 0; q < Eccv16Config.Bins; q++)
            (palette[2 * q], palette[2 * q + 1]) = (BinCentres[q, 0], BinCentres[q, 1]);
        return palette;
    }

    /// <summary>The bin centres as a [2, 313] matrix (a row, then b row): the layout the bin kernels read.</summary>
    public static float[] CentresPlanar()
    {
        var planar = new float[2 * Eccv16Config.Bins];
        for (int q = 0; q < Eccv16Config.Bins; q++)
        {
            planar[q] = BinCentres[q, 0];
            planar[Eccv16Config.Bins + q] = BinCentres[q, 1];
        }
        return planar;
    }

    /// <summary>The 313 ab bin centres of the paper (resources/pts_in_hull.npy), in the order of the network's outputs: [313, 2].</summary>
    public static float[,] BinCentres { get; } = LoadBinCentres();

    private static float[,] LoadBinCentres()
    {
        using Stream stream = typeof(Eccv16Architecture).Assembly.GetManifestResourceStream("ColorKernels.Engine.Models.Data.pts_in_hull.csv")
            ?? throw new InvalidOperationException("embedded pts_in_hull.csv missing");
        using var reader = new StreamReader(stream);
        var centres = new float[Eccv16Config.Bins, 2];
        reader.ReadLine();
        for (int q = 0; q < Eccv16Config.Bins; q++)
        {
            string[] parts = reader.ReadLine()!.Split(',');
            if (int.Parse(parts[0], CultureInfo.InvariantCulture) != q)
                throw new InvalidOperationException("pts_in_hull.csv out of order");
            centres[q, 0] = float.Parse(parts[1], CultureInfo.InvariantCulture);
            centres[q, 1] = float.Parse(parts[2], CultureInfo.InvariantCulture);
        }
        return centres;
    }
}
