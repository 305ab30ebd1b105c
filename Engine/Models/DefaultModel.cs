namespace ColorKernels.Engine.Models;

/// <summary>
/// The models built into the engine (embedded resources): Models/Data/default.ckm, what `colorize` uses when
/// no --model is given (its card docs/model-card.md), and Models/Data/hints.ckm, the learned hint network
/// (--model hints; its card docs/hint-model-card.md).
/// </summary>
internal static class DefaultModel
{
    private const string Resource = "ColorKernels.Engine.Models.Data.default.ckm";
    private const string HintsResource = "ColorKernels.Engine.Models.Data.hints.ckm";

    /// <summary>The name used for it in messages and reports.</summary>
    public const string Name = "default (built in)";

    /// <summary>The built-in hint network's name in messages and reports.</summary>
    public const string HintsName = "hints (built in)";

    public static bool Available => typeof(DefaultModel).Assembly.GetManifestResourceInfo(Resource) is not null;

    public static bool HintsAvailable => typeof(DefaultModel).Assembly.GetManifestResourceInfo(HintsResource) is not null;

    public static ModelFile Load() => Load(Resource, Name, "this build has no built-in default model; give --model FILE");

    public static ModelFile LoadHints() => Load(HintsResource, HintsName, "this build has no built-in hint network; give --model FILE");

    private static ModelFile Load(string resource, string name, string missing)
    {
        using Stream stream = typeof(DefaultModel).Assembly.GetManifestResourceStream(resource) ?? throw new UserErrorException(missing);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return ModelFile.Parse(memory.ToArray(), name);
    }
}
