using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Export;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Som;

namespace ColorKernels.Engine.Models;

/// <summary>The colourization methods a model file can hold.</summary>
public enum ColorizationMethod
{
    /// <summary>Zhang, Isola, Efros, ECCV 2016: a CNN over 313 ab bins (architecture "eccv16").</summary>
    Eccv16,

    /// <summary>Richart, Visca, Baliosian, WVC 2017: a SOM colour map and a patch MLP (architecture "som-mlp").</summary>
    SomMlp,
}

/// <summary>How a colourizer runs; null values mean "the model's own".</summary>
public sealed record ColorizerOptions
{
    /// <summary>Annealed-mean temperature (ECCV16: the model's, 0.38 in the paper; SOM + MLP: the model's).</summary>
    public float? Temperature { get; init; }

    /// <summary>ECCV16: the network's input size (a multiple of 8; default the model's input_size, else 256). SOM + MLP: the working size (default the model's).</summary>
    public int? Size { get; init; }

    /// <summary>ECCV16: run every layer as its own kernel (the reference path) instead of the fused kernels.</summary>
    public bool Unfused { get; init; }
}

/// <summary>
/// A trained colourizer on a device: pictures in, the same pictures coloured out (each picture's own
/// full-resolution L kept). What colorize, eval and a library user share, whatever the method.
/// </summary>
public interface IColorizer : IDisposable
{
    ColorizationMethod Method { get; }

    ComputeDevice Device { get; }

    /// <summary>Pictures per <see cref="Colorize"/> call that suit this device and method (a GPU runs the ECCV16 network on batches).</summary>
    int PreferredBatch { get; }

    IReadOnlyList<ImageData> Colorize(IReadOnlyList<ImageData> images);
}

/// <summary>Opens model files of either method as an <see cref="IColorizer"/>, and says which method a file is.</summary>
public static class Colorizer
{
    /// <summary>The method of <paramref name="file"/>, from its architecture; any other architecture is a user error naming the ones that colour.</summary>
    public static ColorizationMethod MethodOf(ModelFile file, string path) => file.Architecture switch
    {
        Eccv16Config.ArchitectureName => ColorizationMethod.Eccv16,
        SomMlpModel.ArchitectureName => ColorizationMethod.SomMlp,
        SomMap.ArchitectureName => throw new UserErrorException(
            $"'{path}': a colour map (architecture '{SomMap.ArchitectureName}', from 'som fit') does not colourize; use it with 'som quantize', or train a som-mlp model"),
        var other => throw new UserErrorException($"'{path}': architecture '{other}' is not known to this build (it knows {Eccv16Config.ArchitectureName} and {SomMlpModel.ArchitectureName})"),
    };

    /// <summary>Opens "default" (the built-in model) or a model file of either method on <paramref name="device"/>.</summary>
    public static IColorizer Open(ComputeDevice device, string model, ColorizerOptions? options = null) =>
        Open(device, ModelFile.Open(model), ModelFile.DisplayName(model), options);

    /// <summary>A colourizer for an already-read model file (<paramref name="path"/> names it in messages).</summary>
    public static IColorizer Open(ComputeDevice device, ModelFile file, string path, ColorizerOptions? options = null)
    {
        options ??= new ColorizerOptions();
        switch (MethodOf(file, path))
        {
            case ColorizationMethod.SomMlp:
                return new SomMlpColorizer(device, SomMlpModel.FromModelFile(file, path), options);
            default:
                Eccv16Network network = Eccv16Network.Load(device, file, path);
                try
                {
                    network.Fused = !options.Unfused;
                    return new Eccv16Colorizer(network, options.Size ?? PreferredSize(file), options.Temperature ?? network.Config.Temperature, ownsNetwork: true);
                }
                catch
                {
                    network.Dispose();
                    throw;
                }
        }
    }

    /// <summary>A colourizer for a SOM + MLP model in memory (one fitted to reference photos, say).</summary>
    public static IColorizer Open(ComputeDevice device, SomMlpModel model, ColorizerOptions? options = null) =>
        new SomMlpColorizer(device, model, options ?? new ColorizerOptions());

    /// <summary>The model as an ONNX graph (opset 13), whichever method it is.</summary>
    public static byte[] ExportOnnx(ModelFile file, string path) => MethodOf(file, path) switch
    {
        ColorizationMethod.SomMlp => OnnxExport.ExportSomMlp(file, path),
        _ => OnnxExport.Export(file, path),
    };

    /// <summary>The input size a model file recommends (header "input_size", e.g. the scale it was trained at), else 256.</summary>
    public static int PreferredSize(ModelFile file) =>
        file.Header["input_size"] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out int size) && size >= 8 && size % 8 == 0 ? size : 256;
}

/// <summary>The SOM + MLP method as an <see cref="IColorizer"/>: each picture coloured on its own, at the model's working size.</summary>
internal sealed class SomMlpColorizer : IColorizer
{
    private readonly SomMlpModel model;
    private readonly ColorizerOptions options;

    public SomMlpColorizer(ComputeDevice device, SomMlpModel model, ColorizerOptions options)
    {
        Device = device;
        this.model = model;
        this.options = options;
    }

    public ColorizationMethod Method => ColorizationMethod.SomMlp;

    public ComputeDevice Device { get; }

    public int PreferredBatch => 1;

    public IReadOnlyList<ImageData> Colorize(IReadOnlyList<ImageData> images) =>
        images.Select(image => model.Colorize(Device, image, options.Temperature, options.Size)).ToList();

    public void Dispose()
    {
    }
}
