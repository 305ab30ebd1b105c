namespace ColorKernels.Engine.Models;

/// <summary>
/// The model built into the engine (Models/Data/default.ckm, an embedded resource): what `colorize` uses
/// when no --model is given. Its card is docs/model-card.md.
/// </summary>
internal static class DefaultModel
{
    private const string Resource = "ColorKernels.Engine.Models.Data.default.ckm";

    /// <summary>The name used for it in messages and reports.</summary>
    public const string Name = "default (built in)";

    public static bool Available => typeof(DefaultModel).Assembly.GetManifestResourceInfo(Resource) is not null;

    public static ModelFile Load()
    {
        using Stream stream = typeof(DefaultModel).Assembly.GetManifestResourceStream(Resource)
            ?? throw new UserErrorException("this build has no built-in default model; give --model FILE");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return ModelFile.Parse(memory.ToArray(), Name);
    }
}
