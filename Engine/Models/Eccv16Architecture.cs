using System.Globalization;
using System.Text.Json.Nodes;

namespace ColorKernels.Engine.Models;

/// <summary>The kinds of layer in the ECCV16 network, in the order they run.</summary>
internal enum LayerKind { Conv, ConvTranspose, Relu, BatchNorm }

/// <summary>One layer of the network; <see cref="Prefix"/> is its PyTorch key prefix ("model3.4").</summary>
internal sealed record LayerSpec(LayerKind Kind, string Prefix, int InChannels, int OutChannels,
    int Kernel = 0, int Stride = 1, int Pad = 0, int Dilation = 1)
{
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

/// <summary>Hyper-parameters of an ECCV16 model (the model file's header).</summary>
internal sealed record Eccv16Config(double Width, float Temperature = 0.38f, float LCenter = 50f, float LScale = 100f,
    float AbScale = 110f, float BnEps = 1e-5f, bool Regression = false)
{
    public const string ArchitectureName = "eccv16";
    public const int Bins = 313;

    /// <summary>"classification" (313 bins, the paper's model) or "regression" (2 channels predicting ab / ab_scale, the paper's L2 baseline).</summary>
    public string Head => Regression ? "regression" : "classification";

    /// <summary>Output channels of the last convolution: the bins, or a and b.</summary>
    public int Outputs => Regression ? 2 : Bins;

    public JsonObject ToHeader() => new()
    {
        ["architecture"] = ArchitectureName,
        ["width"] = Width,
        ["bins"] = Bins,
        ["temperature"] = Temperature,
        ["l_center"] = LCenter,
        ["l_scale"] = LScale,
        ["ab_scale"] = AbScale,
        ["bn_eps"] = BnEps,
        ["head"] = Head,
    };

    public static Eccv16Config FromHeader(JsonObject header, string path)
    {
        double Number(string key) => ModelFile.Number(header, key, path);
        int bins = (int)Number("bins");
        if (bins != Bins)
            throw new UserErrorException($"'{path}': {bins} bins; the eccv16 architecture has {Bins}");
        string head = header["head"] is JsonValue h && h.GetValueKind() == System.Text.Json.JsonValueKind.String ? h.GetValue<string>() : "classification";
        if (head is not ("classification" or "regression"))
            throw new UserErrorException($"'{path}': head '{head}' is unknown (classification or regression)");
        var config = new Eccv16Config(Number("width"), (float)Number("temperature"), (float)Number("l_center"),
            (float)Number("l_scale"), (float)Number("ab_scale"), (float)Number("bn_eps"), head == "regression");
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

    public static IReadOnlyList<LayerSpec> Layers(double width, bool regression = false)
    {
        var layers = new List<LayerSpec>();
        int input = 1;
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
        layers.Add(new LayerSpec(LayerKind.ConvTranspose, "model8.0", input, c8, 4, 2, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.1", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.2", c8, c8, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.3", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.4", c8, c8, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.5", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.6", c8, regression ? 2 : Eccv16Config.Bins, 1, 1, 0));
        return layers;
    }

    /// <summary>Every tensor a model file of this width must hold, in file order, with its shape.</summary>
    public static IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors(double width, bool regression = false)
    {
        var tensors = Layers(width, regression).SelectMany(l => l.Tensors()).ToList();
        if (!regression)
            tensors.Add(("model_out.weight", new[] { 2, Eccv16Config.Bins, 1, 1 }, true));
        return tensors;
    }

    /// <summary>Trainable parameters (batch-norm running statistics excluded, as PyTorch counts them).</summary>
    public static long ParameterCount(double width, bool regression = false) =>
        Tensors(width, regression).Where(t => t.IsParameter).Sum(t => t.Shape.Aggregate(1L, (a, d) => a * d));

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
