using System.Globalization;
using System.Text.Json.Nodes;
using ColorKernels.Engine.Training;

namespace ColorKernels.Engine.Models;

/// <summary>
/// Zhang, Isola, Efros (ECCV 2016): the layer list of the released network (the PyTorch port's eccv16.py), with
/// every channel count scaled by the width multiplier. Blocks 1-7 (the trunk): 3x3 convs with ReLU, batch norm
/// after the last ReLU; conv1_2, conv2_2, conv3_3 have stride 2; blocks 5 and 6 use dilation 2 (padding 2).
/// Block 8: a 4x4 stride-2 transposed conv, two 3x3 convs (ReLU after each) and a 1x1 conv to 313 logits over
/// the <see cref="BinCodebook"/> (or, the paper's L2 baseline, 2 channels: a regression head). A classification
/// model file also holds model_out.weight [2, 313], the decode layer (bin centres / ab_scale).
/// </summary>
internal sealed class Eccv16Architecture : NetworkArchitecture
{
    public const string ArchitectureName = "eccv16";

    public static Eccv16Architecture Instance { get; } = new();

    private Eccv16Architecture()
    {
    }

    private static readonly int[] BaseChannels = { 64, 128, 256, 512, 512, 512, 512, 256 };
    private static readonly int[] ConvsPerBlock = { 2, 2, 3, 3, 3, 3, 3 };

    public override string Name => ArchitectureName;

    public override ColorizationMethod Method => ColorizationMethod.Eccv16;

    public override int InputChannels => 1;

    public override IReadOnlyList<string> HeadNames { get; } = new[] { "classification", "regression" };

    /// <summary>"classification" (313 bins, the paper's model) or "regression" (2 channels predicting ab / ab_scale, the paper's L2 baseline).</summary>
    public override string HeadName(NetworkConfig config) => config.Regression ? "regression" : "classification";

    public override string Describe(NetworkConfig config) => $"eccv16 {config.Head} width {config.Width}";

    public override bool OutputsAb(NetworkConfig config) => config.Regression;

    /// <summary>model_out.weight x ab_scale (the file's decode layer); none for a regression head.</summary>
    public override float[]? DecodeMatrix(NetworkConfig config, IReadOnlyDictionary<string, StoredTensor> stored) =>
        config.Regression ? null : stored["model_out.weight"].Data.Select(v => v * config.AbScale).ToArray();

    public override string Summary(NetworkConfig config) =>
        $"{ArchitectureName} (Zhang, Isola, Efros 2016), width {config.Width.ToString(CultureInfo.InvariantCulture)}, {config.Head} head";

    public override string ChannelSummary(NetworkConfig config) => $"{BlockChannels(config.Width)} (blocks 1-8), {config.Outputs} outputs";

    /// <summary>"16, 32, ..." : the channels of blocks 1-8 at this width.</summary>
    internal static string BlockChannels(double width) => string.Join(", ", Enumerable.Range(0, 8).Select(b => Channels(width, b)));

    /// <summary>The logits (or ab) are at a quarter of the input.</summary>
    public override int PredictionCells(int size) => size / 4;

    /// <summary>Channels of block <paramref name="block"/> (0-7) at this width.</summary>
    public static int Channels(double width, int block) =>
        Math.Max(1, (int)Math.Round(BaseChannels[block] * width, MidpointRounding.AwayFromZero));

    public override IReadOnlyList<LayerSpec> Layers(NetworkConfig config) => Layers(config.Width, config.Regression);

    /// <summary>The layers of an ECCV16 network of this width.</summary>
    public static IReadOnlyList<LayerSpec> Layers(double width, bool regression = false)
    {
        List<LayerSpec> layers = Trunk(width, 1);
        int input = layers[^1].OutChannels, c8 = Channels(width, 7);
        layers.Add(new LayerSpec(LayerKind.ConvTranspose, "model8.0", input, c8, 4, 2, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.1", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.2", c8, c8, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.3", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.4", c8, c8, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.5", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.6", c8, regression ? 2 : BinCodebook.Count, 1, 1, 0));
        return layers;
    }

    /// <summary>Blocks 1-7 (ending in block 7's batch norm), whose first conv reads <paramref name="inputChannels"/>: shared with the hint network.</summary>
    internal static List<LayerSpec> Trunk(double width, int inputChannels)
    {
        var layers = new List<LayerSpec>();
        int input = inputChannels;
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
        return layers;
    }

    /// <summary>The layers' tensors, then (classification) the decode layer model_out.weight [2, 313].</summary>
    public override IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors(NetworkConfig config) => Tensors(config.Width, config.Regression);

    /// <summary>Every tensor a model file of this width must hold, in file order, with its shape.</summary>
    public static IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors(double width, bool regression = false)
    {
        var tensors = Layers(width, regression).SelectMany(l => l.Tensors()).ToList();
        if (!regression)
            tensors.Add(("model_out.weight", new[] { 2, BinCodebook.Count, 1, 1 }, true));
        return tensors;
    }

    /// <summary>Trainable parameters of an ECCV16 network of this width.</summary>
    public static long ParameterCount(double width, bool regression = false) => Instance.ParameterCount(NetworkConfig.Eccv16(width, regression));

    /// <summary>Multiply-adds of one forward pass at <paramref name="height"/> x <paramref name="width"/> input (convolutions and the 313->2 decode).</summary>
    public static long MultiplyAdds(double channelWidth, int height, int width, bool regression = false) =>
        Instance.MultiplyAdds(NetworkConfig.Eccv16(channelWidth, regression), height, width);

    protected override long ExtraMultiplyAdds(NetworkConfig config, int outHeight, int outWidth) =>
        config.Regression ? 0 : (long)outHeight * outWidth * BinCodebook.Count * 2;

    public override NetworkColorizer CreateColorizer(InferenceNetwork network, int size, float temperature, bool ownsNetwork, int? batch) =>
        new(network, size, temperature, ownsNetwork, batch);

    public override TrainingHeads CreateHeads(TrainingHeadsContext context) => new Eccv16Heads(context);
}
