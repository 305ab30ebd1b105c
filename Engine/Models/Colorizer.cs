using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Export;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Som;
using SixLabors.ImageSharp;

namespace ColorKernels.Engine.Models;

/// <summary>The colourization methods a model file can hold.</summary>
public enum ColorizationMethod
{
    /// <summary>Zhang, Isola, Efros, ECCV 2016: a CNN over 313 ab bins (architecture "eccv16").</summary>
    Eccv16,

    /// <summary>Richart, Visca, Baliosian, WVC 2017: a SOM colour map and a patch MLP (architecture "som-mlp").</summary>
    SomMlp,

    /// <summary>No model ("none"): pictures stay grey except where colour hints spread (Levin, Lischinski, Weiss 2004 alone).</summary>
    None,

    /// <summary>Zhang, Zhu et al., SIGGRAPH 2017: ECCV16's trunk reading colour hints as input, ab at full resolution (architecture "siggraph17").</summary>
    HintNetwork,
}

/// <summary>How a colourizer runs; null values mean "the model's own".</summary>
public sealed record ColorizerOptions
{
    /// <summary>Decode temperature (<see cref="DecodeTemperature"/>: 0 the most likely colour, 0.01 to 100 the annealed mean; default the model's).</summary>
    public float? Temperature { get; init; }

    /// <summary>ECCV16: the network's input size (a multiple of 8; default the model's input_size, else 256). SOM + MLP: the working size (default the model's).</summary>
    public int? Size { get; init; }

    /// <summary>ECCV16: run every layer as its own kernel (the reference path) instead of the fused kernels.</summary>
    public bool Unfused { get; init; }

    /// <summary>Pictures per device launch sequence in the batch conveniences (default: the colourizer's <see cref="IColorizer.PreferredBatch"/>).</summary>
    public int? Batch { get; init; }

    /// <summary>Colours to steer every decode toward (<see cref="Models.ColorPalette"/>: from a photo or a list); null: the model's own colours.</summary>
    public ColorPalette? ColorPalette { get; init; }

    /// <summary>
    /// How strongly hints also steer the places they do not reach, as a palette of their colours (0 to 10, the
    /// palette strength's rule, <see cref="ColorPalette.CheckStrength"/>; 0: hints only spread; null: 1). Used
    /// by ECCV16 models when a decode has hints and no palette of its own; gated by the model's distribution (docs/hints.md).
    /// </summary>
    public double? HintPaletteStrength { get; init; }
}

/// <summary>
/// A trained colourizer on a device, whatever the method: a model that predicts, for each picture, a
/// distribution over a palette of ab colours (ECCV16: 313 bins; SOM + MLP: the map's codewords), and the one
/// decode that turns it into colours (the annealed mean at a temperature, or the most likely colour at 0),
/// joined with the picture's own full-resolution L. <see cref="Colorize"/> does both;
/// <see cref="Predict"/> and <see cref="Decode"/> do them apart, so a prediction kept on the device can be
/// decoded again at another temperature without running the model (one device launch).
/// Thread safety: a colourizer may be called from several threads; its calls are serialised (they share
/// the device's stream and the colourizer's buffers). For parallel work, open one colourizer per device.
/// Dispose it (and then its device) to free device memory.
/// </summary>
public interface IColorizer : IDisposable
{
    /// <summary>The method of the model this colourizer runs.</summary>
    ColorizationMethod Method { get; }

    /// <summary>The device it runs on (owned by the caller).</summary>
    ComputeDevice Device { get; }

    /// <summary>Pictures per <see cref="Colorize"/> call that suit this device and method (a GPU runs the ECCV16 network on batches).</summary>
    int PreferredBatch { get; }

    /// <summary>The decode temperature used when a call gives none: the options', else the model's (<see cref="DecodeTemperature"/>).</summary>
    float Temperature { get; }

    /// <summary>The palette's ab colours, a and b interleaved ([Q, 2]: the 313 bin centres, or the map's codewords); empty for a regression-head model, which predicts ab directly.</summary>
    IReadOnlyList<float> Palette { get; }

    /// <summary>Colours <paramref name="images"/> as one batch and returns them in order, each the size (and bit depth, and alpha) of its input.</summary>
    IReadOnlyList<ImageData> Colorize(IReadOnlyList<ImageData> images);

    /// <summary>The model's predictions for <paramref name="images"/> (one batch), kept on the device; the caller disposes them.</summary>
    IReadOnlyList<Prediction> Predict(IReadOnlyList<ImageData> images);

    /// <summary>
    /// A prediction of this colourizer decoded at <paramref name="temperature"/> (default <see cref="Temperature"/>),
    /// joined with the predicted picture's full-resolution L: the same picture <see cref="Colorize"/> gives at that
    /// temperature. With <paramref name="hints"/> (at most <see cref="ColorHint.MaxHints"/>, each inside the
    /// picture) each hint's correction, its ab minus the decoded ab, is spread over the picture where L is alike
    /// (stopping at edges) and added before the join. With <paramref name="colorPalette"/> (default: the options')
    /// each distribution is re-weighted toward the palette's colours before the decode.
    /// </summary>
    ImageData Decode(Prediction prediction, float? temperature = null, IReadOnlyList<ColorHint>? hints = null, ColorPalette? colorPalette = null);

    /// <summary>The prediction at pixel (x, y) of its picture: the grid cell, the probabilities over the palette, the colour decoded at <paramref name="temperature"/>.</summary>
    PixelDistribution Distribution(Prediction prediction, int x, int y, float? temperature = null);
}

/// <summary>Opens model files of either method as an <see cref="IColorizer"/>, and says which method a file is.</summary>
public static class Colorizer
{
    /// <summary>The method of <paramref name="file"/>, from its architecture; any other architecture is a user error naming the ones that colour.</summary>
    public static ColorizationMethod MethodOf(ModelFile file, string path) => file.Architecture switch
    {
        SomMlpModel.ArchitectureName => ColorizationMethod.SomMlp,
        SomMap.ArchitectureName => throw new UserErrorException(
            $"'{path}': a colour map (architecture '{SomMap.ArchitectureName}', from 'som fit') does not colourize; use it with 'som quantize', or train a som-mlp model"),
        var name => NetworkArchitecture.Find(name)?.Method ?? throw new UserErrorException(
            $"'{path}': architecture '{name}' is not known to this build (it knows {NetworkArchitecture.NaturalList(NetworkArchitecture.All.Select(a => a.Name).Append(SomMlpModel.ArchitectureName))})"),
    };

    /// <summary>
    /// Opens "default" (the built-in model), a model file of either method, or "none" (no model: grey, coloured
    /// only by hints) on <paramref name="device"/>.
    /// </summary>
    public static IColorizer Open(ComputeDevice device, string model, ColorizerOptions? options = null)
    {
        if (model != NoModelColorizer.Name)
            return Open(device, ModelFile.Open(model), ModelFile.DisplayName(model), options);
        BatchSize.Check(options?.Batch);   // (no model: nothing else of the options applies but the palette)
        return WithPalette(new NoModelColorizer(device), options);
    }

    /// <summary>A colourizer for a model file read from <paramref name="model"/> (checksums and header checked as for a file); <paramref name="name"/> names it in messages.</summary>
    public static IColorizer Open(ComputeDevice device, Stream model, string name, ColorizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Open(device, ModelFile.Parse(ModelFile.ReadBytes(model, name), name), name, options);
    }

    /// <summary>A colourizer for an already-read model file (<paramref name="path"/> names it in messages).</summary>
    public static IColorizer Open(ComputeDevice device, ModelFile file, string path, ColorizerOptions? options = null)
    {
        options ??= new ColorizerOptions();
        switch (MethodOf(file, path))
        {
            case ColorizationMethod.SomMlp:
                return WithPalette(new SomMlpColorizer(device, SomMlpModel.FromModelFile(file, path), options), options);
            default:
                InferenceNetwork network = InferenceNetwork.Load(device, file, path);
                NetworkColorizer colorizer;
                try
                {
                    network.Fused = !options.Unfused;
                    float temperature = options.Temperature is { } t ? DecodeTemperature.Check(t) : network.Config.Temperature;
                    colorizer = network.Config.Architecture.CreateColorizer(network, options.Size ?? PreferredSize(file), temperature, ownsNetwork: true, options.Batch);
                }
                catch
                {
                    network.Dispose();
                    throw;
                }
                return WithPalette(colorizer, options);
        }
    }

    /// <summary>A colourizer for a SOM + MLP model in memory (one fitted to reference photos, say).</summary>
    public static IColorizer Open(ComputeDevice device, SomMlpModel model, ColorizerOptions? options = null) =>
        WithPalette(new SomMlpColorizer(device, model, options ?? new ColorizerOptions()), options);

    /// <summary>The options' palette and hint palette strength set as the colourizer's defaults (a palette refused for a regression head); disposed when refused.</summary>
    private static CodebookColorizer WithPalette(CodebookColorizer colorizer, ColorizerOptions? options)
    {
        try
        {
            colorizer.ColorPalette = options?.ColorPalette;
            if (options?.HintPaletteStrength is { } strength)
                colorizer.PropagationSettings = colorizer.PropagationSettings with
                {
                    HintPaletteStrength = (float)ColorPalette.CheckStrength(strength, "hint palette strength"),
                };
            return colorizer;
        }
        catch
        {
            colorizer.Dispose();
            throw;
        }
    }

    /// <summary>The model as an ONNX graph (opset 13), whichever method it is.</summary>
    public static byte[] ExportOnnx(ModelFile file, string path) => MethodOf(file, path) switch
    {
        ColorizationMethod.SomMlp => OnnxExport.ExportSomMlp(file, path),
        _ => OnnxExport.Export(file, path),
    };

    /// <summary>
    /// The largest network input a model file's header may ask for (a 1024 x 1024 input is 16 times the
    /// paper's work and memory). A header over it is refused unless the size is given (<see cref="ColorizerOptions.Size"/>,
    /// colorize --size): a file from elsewhere must not make a small picture cost gigabytes.
    /// </summary>
    public const int MaxHeaderSize = NetworkInputSize.MaxFromHeader;

    /// <summary>The input size a model file recommends (header "input_size", e.g. the scale it was trained at), else 256; over <see cref="MaxHeaderSize"/> a user error.</summary>
    public static int PreferredSize(ModelFile file)
    {
        if (file.Header["input_size"] is not System.Text.Json.Nodes.JsonValue v || !v.TryGetValue(out int size) || size < 8 || size % 8 != 0)
            return 256;
        return size <= MaxHeaderSize ? size
            : throw new UserErrorException($"the model's header asks for a {size} x {size} network input, over the {MaxHeaderSize} a header may ask for; give --size {size} (ColorizerOptions.Size) if that is meant");
    }
}

/// <summary>Conveniences over <see cref="IColorizer"/>: one picture, an ImageSharp image, a file or stream, many pictures with progress.</summary>
public static class ColorizerExtensions
{
    /// <summary>Colours one picture.</summary>
    public static ImageData Colorize(this IColorizer colorizer, ImageData image)
    {
        ArgumentNullException.ThrowIfNull(colorizer);
        return colorizer.Colorize(new[] { image })[0];
    }

    /// <summary>Colours one picture steered by a person's colour <paramref name="hints"/> (see <see cref="ColorHint"/>); the model runs once.</summary>
    public static ImageData Colorize(this IColorizer colorizer, ImageData image, IReadOnlyList<ColorHint> hints)
    {
        ArgumentNullException.ThrowIfNull(colorizer);
        using Prediction prediction = colorizer.Predict(image);
        return colorizer.Decode(prediction, null, hints);
    }

    /// <summary>The model's prediction for one picture, kept on the device (the caller disposes it): decode it with <see cref="IColorizer.Decode"/>.</summary>
    public static Prediction Predict(this IColorizer colorizer, ImageData image)
    {
        ArgumentNullException.ThrowIfNull(colorizer);
        return colorizer.Predict(new[] { image })[0];
    }

    /// <summary>Colours an ImageSharp image of any pixel type; returns a new image (Rgba64 for 16-bit sources, else Rgba32) the caller disposes.</summary>
    public static Image Colorize(this IColorizer colorizer, Image image) =>
        ImageIO.ToImage(colorizer.Colorize(ImageIO.FromImage(image)));

    /// <summary>Reads a picture file (with the CLI's checks: size limit, truncation, EXIF orientation) and colours it.</summary>
    public static ImageData ColorizeFile(this IColorizer colorizer, string path) => colorizer.Colorize(ImageIO.Load(path));

    /// <summary>Reads a picture from a stream (at most <paramref name="maxBytes"/>) and colours it; <paramref name="name"/> names it in messages.</summary>
    public static ImageData Colorize(this IColorizer colorizer, Stream picture, string name = "stream", long maxBytes = 1L << 30)
    {
        byte[] bytes = Files.StreamBytes.ReadAtMost(picture, maxBytes, () => new UserErrorException($"'{name}': larger than {maxBytes:N0} bytes"));
        return colorizer.Colorize(ImageIO.Decode(name, bytes));
    }

    /// <summary>
    /// Colours many pictures in batches of <see cref="IColorizer.PreferredBatch"/>, reporting the pictures done
    /// after each batch and stopping between batches when <paramref name="cancel"/> is signalled
    /// (<see cref="OperationCanceledException"/>).
    /// </summary>
    public static IReadOnlyList<ImageData> Colorize(this IColorizer colorizer, IReadOnlyList<ImageData> images, IProgress<int>? progress,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(colorizer);
        ArgumentNullException.ThrowIfNull(images);
        var results = new List<ImageData>(images.Count);
        int batch = Math.Max(1, colorizer.PreferredBatch);
        for (int first = 0; first < images.Count; first += batch)
        {
            cancel.ThrowIfCancellationRequested();
            results.AddRange(colorizer.Colorize(images.Skip(first).Take(batch).ToList()));
            progress?.Report(results.Count);
        }
        return results;
    }
}
