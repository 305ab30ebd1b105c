using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Host.Files;

/// <summary>
/// Where each input's output goes. <c>-o</c> names a file when there is exactly one input file and the
/// name has an image extension; otherwise a folder (created if needed) that mirrors the inputs' layout.
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
        toFile = singleInputFile && !Directory.Exists(output) && ImageIO.HasImageExtension(output);
        if (!toFile)
        {
            if (File.Exists(output))
                throw new UserErrorException($"-o '{output}': is a file, but several inputs (or a folder) need an output folder");
            try
            {
                Directory.CreateDirectory(output);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserErrorException($"-o '{output}': cannot create the output folder: {e.Message}", e);
            }
        }
    }

    /// <summary>The full output path for <paramref name="input"/>; throws when it would overwrite an input or another output.</summary>
    public string For(InputFile input, IReadOnlySet<string> allInputs)
    {
        string path = toFile ? output : Path.Combine(output, input.RelativeOutput);
        if (extension is not null && !toFile)
            path = Path.ChangeExtension(path, extension);
        string full = Path.GetFullPath(path);
        if (allInputs.Contains(full))
            throw new UserErrorException($"'{input.FullPath}': refusing to write the output over an input file ({full})");
        if (claimed.TryGetValue(full, out string? other))
            throw new UserErrorException($"'{input.FullPath}': its output '{full}' is already the output of '{other}'");
        claimed[full] = input.FullPath;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot write '{full}': cannot create its folder ({e.Message})", e);
        }
        return full;
    }
}
