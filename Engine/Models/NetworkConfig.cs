using System.Text.Json.Nodes;

namespace ColorKernels.Engine.Models;

/// <summary>
/// Hyper-parameters of a network model (its model file's header), for every <see cref="NetworkArchitecture"/>:
/// the architecture, the channel width multiplier, the decode temperature, L's and ab's normalisation, batch
/// norm's epsilon; <see cref="Regression"/> (ECCV16's L2 baseline head) and <see cref="MaskCenter"/> (the hint
/// network's mask offset) are read and written only by the architectures that have them.
/// </summary>
internal sealed record NetworkConfig(NetworkArchitecture Architecture, double Width, float Temperature = 0.38f, float LCenter = 50f,
    float LScale = 100f, float AbScale = 110f, float BnEps = 1e-5f, bool Regression = false, float MaskCenter = 0.5f)
{
    /// <summary>An ECCV16 model of this width (the built-in model's architecture).</summary>
    public static NetworkConfig Eccv16(double width, bool regression = false) =>
        new(Eccv16Architecture.Instance, width, Regression: regression);

    /// <summary>Input channels: L, and for the hint network hint a, b and the mask.</summary>
    public int InputChannels => Architecture.InputChannels;

    /// <summary>The header's "head": "classification", "regression", or the hint network's "regression+classification".</summary>
    public string Head => Architecture.HeadName(this);

    /// <summary>Output channels of the last layer: the bins, or a and b.</summary>
    public int Outputs => Architecture.Layers(this)[^1].OutChannels;

    /// <summary>Every tensor a model file of this network must hold, in file order.</summary>
    public IReadOnlyList<(string Name, int[] Shape, bool IsParameter)> Tensors() => Architecture.Tensors(this);

    /// <summary>The header, in the order files have always had it (the architecture's own fields last).</summary>
    public JsonObject ToHeader()
    {
        var header = new JsonObject
        {
            ["architecture"] = Architecture.Name,
            ["width"] = Width,
            ["bins"] = BinCodebook.Count,
            ["temperature"] = Temperature,
            ["l_center"] = LCenter,
            ["l_scale"] = LScale,
            ["ab_scale"] = AbScale,
            ["bn_eps"] = BnEps,
            ["head"] = Head,
        };
        Architecture.WriteHeader(this, header);
        return header;
    }

    /// <summary>The configuration a header gives, its values checked (one-line user errors naming <paramref name="path"/>).</summary>
    public static NetworkConfig FromHeader(JsonObject header, string path)
    {
        string name = header["architecture"]?.GetValue<string>() ?? "";
        NetworkArchitecture architecture = NetworkArchitecture.Find(name)
            ?? throw new UserErrorException($"'{path}': architecture '{name}' is not known to this build (it knows {NetworkArchitecture.KnownNames})");
        ModelFile.ValidateHeader(header, path);   // the header's ranges (temperature, width, l_scale, bn_eps, ...), as for a file read
        double Number(string key) => ModelFile.Number(header, key, path);
        int bins = (int)Number("bins");
        if (bins != BinCodebook.Count)
            throw new UserErrorException($"'{path}': {bins} bins; the {architecture.Name} architecture has {BinCodebook.Count}");
        string head = header["head"] is JsonValue h && h.GetValueKind() == System.Text.Json.JsonValueKind.String ? h.GetValue<string>() : "classification";
        if (!architecture.HeadNames.Contains(head))
            throw new UserErrorException($"'{path}': head '{head}' is unknown ({string.Join(" or ", architecture.HeadNames)})");
        int channels = header["input_channels"] is null ? 1 : ModelFile.Integer(header, "input_channels", path, 1, 4);
        if (channels != architecture.InputChannels)
            throw new UserErrorException($"'{path}': {channels} input channels; the {architecture.Name} architecture reads {architecture.InputChannels}");
        var config = new NetworkConfig(architecture, Number("width"), (float)Number("temperature"), (float)Number("l_center"),
            (float)Number("l_scale"), (float)Number("ab_scale"), (float)Number("bn_eps"), head == "regression");
        return architecture.ReadHeader(config, header, path);
    }
}
