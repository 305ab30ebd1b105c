using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Host.Files;

/// <summary>
/// Where each input's output goes. <c>-o</c> names a file when there is exactly one input file and the
/// name has an image extension; otherwise a folder (created when the first output is written) that mirrors
/// the inputs' layout.
/// An input is never an output.
/// </summary>
public sealed class OutputPlan
{
    private readonly string output;
    private readonly bool toFile;
    private readonly string? extension;
    private readonly Dictionary<string, string> claimed = new(StringComparer.Ordinal);

    public OutputPlan(string output, bool singleInputFile, string? format)
    {
        this.output = output;
        extension = format is null ? null : "." + format.TrimStart('.').ToLowerInvariant();
        if (extension is not null && !ImageIO.HasImageExtension("x" + extension))
            throw new UserErrorException($"--format '{format}': expected one of {string.Join(", ", ImageIO.Extensions.Select(e => e.TrimStart('.')))}");
        toFile = singleInputFile && !Directory.Exists(output) && (ImageIO.HasImageExtension(output) || Engine.Video.Ffmpeg.HasVideoExtension(output));
        // Folders are created when the first file is written into them (AtomicFile), so that a run whose
        // inputs all fail leaves no empty folders behind.
        if (!toFile && File.Exists(output))
            throw new UserErrorException($"-o '{output}': is a file, but several inputs (or a folder) need an output folder");
    }

    /// <summary>The full output path for <paramref name="input"/>; throws when it would overwrite an input or another output.</summary>
    public string For(InputFile input, IReadOnlySet<string> allInputs)
    {
        string path = toFile ? output : Path.Combine(output, input.RelativeOutput);
        // --format is a picture format: a video keeps its container.
        if (extension is not null && !toFile && !Engine.Video.Ffmpeg.HasVideoExtension(input.FullPath))
            path = Path.ChangeExtension(path, extension);
        string full = Path.GetFullPath(path);
        if (allInputs.Contains(full))
            throw new UserErrorException($"'{input.FullPath}': refusing to write the output over an input file ({full})");
        if (claimed.TryGetValue(full, out string? other))
            throw new UserErrorException($"'{input.FullPath}': its output '{full}' is already the output of '{other}'");
        claimed[full] = input.FullPath;
        return full;
    }
}
