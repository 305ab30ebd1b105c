using System.Globalization;
using System.Text.Json.Nodes;
using ColorKernels.Engine.Training;

namespace ColorKernels.Engine.Models;

/// <summary>
/// The hint network (Zhang, Zhu et al., SIGGRAPH 2017), built on ECCV16's trunk: the first conv reads 4 channels
/// (L, hint a and b, the hint mask); block 8 is ECCV16's with a shortcut added after its upsampling (a 3x3 conv
/// of block 2's output, at a quarter of the input), and its 1x1 conv to 313 logits is the classification head
/// (model8.6, as in ECCV16, so an ECCV16 model's weights fit it). Two more decoder blocks bring the features to
/// half and full resolution, each a 4x4 stride-2 transposed conv plus a 3x3 conv shortcut from the trunk (block
/// 1's output at half; conv1_1's, the one full-resolution layer of the trunk, at full), then ReLU, a 3x3 conv and
/// ReLU; a 1x1 conv to 2 channels and tanh give ab / ab_scale at the input's resolution (the regression head,
/// the network's output). Channels 128 x width in blocks 9 and 10, as in the paper. ECCV16's trunk downsamples
/// by stride-2 convs where the paper's own network subsamples; the shortcuts come from where the trunk is at
/// each resolution. Its header adds input_channels (4) and mask_center.
/// </summary>
internal sealed class Siggraph17Architecture : NetworkArchitecture
{
    public const string ArchitectureName = "siggraph17";

    /// <summary>The prefix of the classification head (logits over the bins at a quarter of the input).</summary>
    public const string ClassHead = "model8.6";

    /// <summary>The heads, as the header lists them.</summary>
    public const string Heads = "regression+classification";

    public static Siggraph17Architecture Instance { get; } = new();

    private Siggraph17Architecture()
    {
    }

    public override string Name => ArchitectureName;

    public override ColorizationMethod Method => ColorizationMethod.HintNetwork;

    public override int InputChannels => 4;

    public override IReadOnlyList<string> HeadNames { get; } = new[] { Heads };

    public override string HeadName(NetworkConfig config) => Heads;

    public override string Describe(NetworkConfig config) => $"{ArchitectureName} width {config.Width}";

    /// <summary>Its output is its ab head's; the classification head's logits are read from <see cref="ClassHead"/>.</summary>
    public override bool OutputsAb(NetworkConfig config) => true;

    /// <summary>The classification head's bins are the codebook's centres (the file has no decode layer).</summary>
    public override float[]? DecodeMatrix(NetworkConfig config, IReadOnlyDictionary<string, StoredTensor> stored) => BinCodebook.Planar();

    public override string Summary(NetworkConfig config) =>
        $"{ArchitectureName} (Zhang, Zhu et al. 2017, on the ECCV16 trunk), width {config.Width.ToString(CultureInfo.InvariantCulture)}, " +
        $"input L + hint ab + mask ({InputChannels} channels), heads: ab at full resolution, {BinCodebook.Count} bins at a quarter";

    public override string ChannelSummary(NetworkConfig config) =>
        $"{Eccv16Architecture.BlockChannels(config.Width)} (blocks 1-8), {DecoderChannels(config.Width)} (blocks 9-10)";

    /// <summary>Its ab head is at the input's size.</summary>
    public override int PredictionCells(int size) => size;

    /// <summary>A hint network of this width.</summary>
    public static NetworkConfig Config(double width) => new(Instance, width);

    /// <summary>The channels of the half- and full-resolution decoder blocks (128 x width).</summary>
    public static int DecoderChannels(double width) => Math.Max(1, (int)Math.Round(128 * width, MidpointRounding.AwayFromZero));

    public override IReadOnlyList<LayerSpec> Layers(NetworkConfig config)
    {
        double width = config.Width;
        List<LayerSpec> layers = Eccv16Architecture.Trunk(width, InputChannels);
        int input = layers[^1].OutChannels;
        int c1 = Eccv16Architecture.Channels(width, 0), c2 = Eccv16Architecture.Channels(width, 1), c8 = Eccv16Architecture.Channels(width, 7);
        int c9 = DecoderChannels(width);
        // Quarter resolution: ECCV16's block 8 with block 2's shortcut; its logits are the classification head.
        UpBlock(layers, 8, layers[^1].Prefix, input, c8, "model2.4", c2);
        layers.Add(new LayerSpec(LayerKind.Conv, "model8.4", c8, c8, 3, 1, 1));
        layers.Add(new LayerSpec(LayerKind.Relu, "model8.5", c8, c8));
        layers.Add(new LayerSpec(LayerKind.Conv, ClassHead, c8, BinCodebook.Count, 1, 1, 0));
        // Half resolution, with block 1's output; full, with conv1_1's (after its ReLU).
        UpBlock(layers, 9, "model8.5", c8, c9, "model1.4", c1);
        UpBlock(layers, 10, "model9.3", c9, c9, "model1.1", c1);
        layers.Add(new LayerSpec(LayerKind.Conv, "model_ab", c9, 2, 1, 1, 0));
        layers.Add(new LayerSpec(LayerKind.Tanh, "model_ab.tanh", 2, 2));
        return layers;
    }

    /// <summary>
    /// One decoder block b, doubling the resolution: shortB, a 3x3 conv of the trunk's <paramref name="shortcut"/>
    /// output; modelB.0, a 4x4 stride-2 transposed conv of <paramref name="from"/>'s output; addB, their sum; then
    /// ReLU, a 3x3 conv and ReLU (modelB.1-3).
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

    /// <summary>ECCV16 files keep their header as it always was (one input channel implied); this one states its own.</summary>
    public override void WriteHeader(NetworkConfig config, JsonObject header)
    {
        header["input_channels"] = InputChannels;
        header["mask_center"] = config.MaskCenter;
    }

    public override NetworkConfig ReadHeader(NetworkConfig config, JsonObject header, string path)
    {
        float maskCenter = (float)ModelFile.Number(header, "mask_center", path);
        if (!(maskCenter >= 0 && maskCenter <= 1))
            throw new UserErrorException($"'{path}': header field 'mask_center' is {maskCenter}; from 0 to 1 expected");
        return config with { MaskCenter = maskCenter };
    }

    /// <summary>
    /// A hint network started from a trained ECCV16 classification model
    /// of the same width: every tensor the two share by name is copied (the trunk, block 8 and its 1x1 conv
    /// to the bins, which becomes the classification head); conv1_1's weights for the hint channels and the
    /// three shortcut convs start at 0, and so does the ab head (grey), so with no hints the new network's logits are the ECCV16 model's
    /// exactly, and training starts from its colours rather than from noise (what a CPU budget allows; the
    /// paper trains from scratch on a GPU). The half- and full-resolution decoder and the ab head are
    /// initialised as <see cref="NetworkInit.Create"/> does.
    /// </summary>
    public static ModelFile FromEccv16(ModelFile eccv16, string path, int seed)
    {
        NetworkConfig source = InferenceNetwork.Validate(eccv16, path);
        if (source.Architecture != Eccv16Architecture.Instance || source.Regression)
            throw new UserErrorException($"'{path}': a hint network starts from an eccv16 classification model; this is {(source.Architecture == Instance ? "already a hint network" : source.Regression ? "a regression-head model" : "a " + source.Architecture.Name + " model")}");
        var config = source with { Architecture = Instance };
        var stored = eccv16.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var tensors = new List<StoredTensor>();
        foreach (StoredTensor t in NetworkInit.Create(config, seed).Tensors)
        {
            float[] data = t.Data;
            if (t.Name == "model1.0.weight")
            {
                // [C, 4, 3, 3] from [C, 1, 3, 3]: channel 0 (L) copied, the hint channels 0.
                float[] l = stored[t.Name].Data;
                data = new float[t.Data.Length];
                for (int c = 0; c < t.Shape[0]; c++)
                    Array.Copy(l, c * 9, data, c * 36, 9);
            }
            else if (stored.TryGetValue(t.Name, out StoredTensor? s) && s.Shape.SequenceEqual(t.Shape))
                data = s.Data.ToArray();
            else if (t.Name.StartsWith("short", StringComparison.Ordinal) || t.Name.StartsWith("model_ab.", StringComparison.Ordinal))
                data = new float[t.Data.Length];   // shortcuts add nothing yet; the ab head starts at grey (tanh 0)
            tensors.Add(new StoredTensor(t.Name, t.Shape, data));
        }
        return new ModelFile(config.ToHeader(), tensors);
    }

    public override NetworkColorizer CreateColorizer(InferenceNetwork network, int size, float temperature, bool ownsNetwork, int? batch) =>
        new HintNetworkColorizer(network, size, temperature, ownsNetwork, batch);

    public override TrainingHeads CreateHeads(TrainingHeadsContext context) => new HintNetworkHeads(context);
}
