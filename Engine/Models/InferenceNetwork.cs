using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;

namespace ColorKernels.Engine.Models;

/// <summary>
/// A network model (any <see cref="NetworkArchitecture"/>) on one device: parameters uploaded once, activations kept between calls of the
/// same input shape. <see cref="Fused"/> (the default) runs each conv + ReLU (+ batch norm, folded to a
/// per-channel scale and shift when the model is loaded) as one kernel; unfused runs every layer as
/// its own kernel, the reference path the fused one is tested against.
/// </summary>
internal sealed class InferenceNetwork : IDisposable
{
    private readonly Dictionary<string, Tensor<float>> parameters = new(StringComparer.Ordinal);
    private readonly List<Tensor<float>> foldedNorms = new();
    private LayerGraph? graph;

    private InferenceNetwork(ComputeDevice device, NetworkConfig config)
    {
        Device = device;
        Config = config;
    }

    public ComputeDevice Device { get; }

    public NetworkConfig Config { get; }

    public bool Fused { get; set; } = true;

    /// <summary>The decoding matrix [2, 313], the ab value of each bin (<see cref="NetworkArchitecture.DecodeMatrix"/>; a regression head has none).</summary>
    public Tensor<float> Decode => parameters.TryGetValue("decode", out Tensor<float>? d) ? d
        : throw new InvalidOperationException("a regression-head model has no bin decoding");

    /// <summary>Whether the network has bins to decode (<see cref="Decode"/>).</summary>
    public bool HasBins => parameters.ContainsKey("decode");

    /// <summary>
    /// Checks <paramref name="file"/> against the architecture: the name, the header values, and every
    /// tensor's presence and shape (no extra tensors either). Returns the model's configuration.
    /// </summary>
    public static NetworkConfig Validate(ModelFile file, string path)
    {
        NetworkConfig config = NetworkConfig.FromHeader(file.Header, path);
        var expected = config.Tensors();
        var stored = file.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        string what = config.Architecture.Describe(config);
        foreach (var (name, shape, _) in expected)
        {
            if (!stored.TryGetValue(name, out StoredTensor? t))
                throw new UserErrorException($"'{path}': tensor '{name}' {Format(shape)} is missing ({what})");
            if (!t.Shape.SequenceEqual(shape))
                throw new UserErrorException($"'{path}': tensor '{name}' is {t.ShapeText}; {what} expects {Format(shape)}");
        }
        var names = expected.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string name in stored.Keys)
            if (!names.Contains(name))
                throw new UserErrorException($"'{path}': unexpected tensor '{name}' for {what}");
        return config;
    }

    /// <summary>Validates <paramref name="file"/> against the architecture and uploads it.</summary>
    public static InferenceNetwork Load(ComputeDevice device, ModelFile file, string path)
    {
        NetworkConfig config = Validate(file, path);
        var expected = config.Tensors();
        var stored = file.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);

        var network = new InferenceNetwork(device, config);
        try
        {
            foreach (var (name, shape, _) in expected)
                network.parameters[name] = device.Upload(name, new Shape(shape), stored[name].Data);
            if (config.Architecture.DecodeMatrix(config, stored) is { } decode)
                network.parameters["decode"] = device.Upload("decode", new Shape(2, BinCodebook.Count), decode);
            network.graph = new LayerGraph(device, config, name => network.parameters[name]);
            foreach (LayerSpec l in network.graph.Layers.Where(l => l.Kind == LayerKind.BatchNorm))
            {
                // Inference batch norm as y = x * scale + shift: scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
                float[] gamma = stored[l.Prefix + ".weight"].Data, beta = stored[l.Prefix + ".bias"].Data;
                float[] mean = stored[l.Prefix + ".running_mean"].Data, variance = stored[l.Prefix + ".running_var"].Data;
                var scale = new float[gamma.Length];
                var shift = new float[gamma.Length];
                for (int c = 0; c < gamma.Length; c++)
                {
                    if (!(variance[c] >= 0))
                        throw new UserErrorException($"'{path}': tensor '{l.Prefix}.running_var' has a negative or NaN variance at channel {c}");
                    scale[c] = (float)(gamma[c] / Math.Sqrt(variance[c] + (double)config.BnEps));
                    shift[c] = (float)(beta[c] - mean[c] * (double)scale[c]);
                }
                Tensor<float> ts = device.Upload(l.Prefix + ".scale", new Shape(scale.Length), scale);
                network.foldedNorms.Add(ts);
                Tensor<float> th = device.Upload(l.Prefix + ".shift", new Shape(shift.Length), shift);
                network.foldedNorms.Add(th);
                network.graph.SetFolded(l.Prefix, ts, th);
            }
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the network on its input [N, C, H, W] (normalised L; the hint network's also its hint channels) with
    /// H and W multiples of 8, and returns its output: ECCV16's logits [N, 313, H/4, W/4] (regression head: ab /
    /// ab_scale [N, 2, H/4, W/4]); the hint network's ab / ab_scale [N, 2, H, W]. The result is owned by the
    /// network and valid until the next call.
    /// </summary>
    public Tensor<float> Forward(Tensor<float> input)
    {
        Shape s = input.Shape;
        int c = Config.InputChannels;
        if (s.Rank != 4 || s[1] != c || s[2] % 8 != 0 || s[3] % 8 != 0)
            throw new ArgumentException($"network input '{input.Name}' must be [N, {c}, H, W] with H and W multiples of 8; it is {s}");
        return graph!.Forward(input, Fused ? ForwardMode.Fused : ForwardMode.Unfused);
    }

    /// <summary>The output of layer <paramref name="prefix"/> in the last <see cref="Forward"/> call (the hint network's classification head).</summary>
    public Tensor<float> Output(string prefix) => graph!.Output(prefix);

    private Tensor<float>? palette;

    /// <summary>The bins as a palette [313, 2] (a, b interleaved), uploaded on first use: what the palette decode takes.</summary>
    public Tensor<float> Palette => palette ??= Device.Upload("palette", new Shape(BinCodebook.Count, 2), BinPalette());

    /// <summary>The decode matrix [2, 313] (each bin's ab) as a palette [313, 2].</summary>
    internal float[] BinPalette()
    {
        float[] planar = Decode.Download();
        int bins = planar.Length / 2;
        var values = new float[planar.Length];
        for (int q = 0; q < bins; q++)
            (values[2 * q], values[2 * q + 1]) = (planar[q], planar[bins + q]);
        return values;
    }

    /// <summary>
    /// ab [N, 2, H/4, W/4] from the network's output, for tools that time or compare the bare network
    /// (colourizers decode through <see cref="CodebookColorizer"/>): the palette decode for the classification
    /// head; for the regression head the output x ab_scale (the temperature does not apply).
    /// </summary>
    public void DecodeAb(Tensor<float> output, Tensor<float> ab, float temperature)
    {
        if (Config.Architecture.OutputsAb(Config))   // (the hint network: its ab head, at the input's size)
            ResampleOps.ResizeBilinear(output, 0, 2, ab, 0, Config.AbScale, 0f);   // same size: a scaled copy
        else
            SoftmaxOps.PaletteDecode(output, Palette, ab, temperature);
    }

    private static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";

    public void Dispose()
    {
        graph?.Dispose();
        foreach (Tensor<float> t in parameters.Values.Concat(foldedNorms))
            t.Dispose();
        palette?.Dispose();
    }
}
