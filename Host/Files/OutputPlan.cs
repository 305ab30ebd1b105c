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

    /// <param name="output">-o.</param>
    /// <param name="singleInputFile">Whether the one argument was one file (then -o may name a file).</param>
    /// <param name="format">--format, or null.</param>
    /// <param name="inputs">Input files found (the checks of -o's name wait for some: a missing input has its own error).</param>
    public OutputPlan(string output, bool singleInputFile, string? format, int inputs = 1)
    {
        this.output = output;
        extension = format is null ? null : "." + format.TrimStart('.').ToLowerInvariant();
        if (extension is not null && !ImageIO.HasImageExtension("x" + extension))
            throw new UsageException($"--format '{format}': expected one of {string.Join(", ", ImageIO.Extensions.Select(e => e.TrimStart('.')))}");
        bool fileName = ImageIO.HasImageExtension(output) || Engine.Video.Ffmpeg.HasVideoExtension(output);
        toFile = singleInputFile && !Directory.Exists(output) && fileName;
        // Folders are created when the first file is written into them (AtomicFile), so that a run whose
        // inputs all fail leaves no empty folders behind.
        if (!toFile && File.Exists(output))
            throw new UserErrorException($"-o '{output}': is a file, but several inputs (or a folder) need an output folder");
        if (inputs > 0 && !singleInputFile && fileName && !Directory.Exists(output))
            throw new UserErrorException($"-o '{output}': names a file, but there are several inputs (or a folder): give a folder (a name without an image or video extension)");
        if (singleInputFile && !toFile && !Directory.Exists(output) && Path.GetExtension(output) is { Length: > 1 } unknown)
            throw new UserErrorException($"-o '{output}': '{unknown}' is not an image or video format ({string.Join(", ", ImageIO.Extensions.Concat(Engine.Video.Ffmpeg.Extensions).Select(e => e.TrimStart('.')))}); for a folder, leave out the extension or create it first");
    }

    /// <summary>
    /// Checks, before any work, that the outputs can be written: the nearest existing folder on the way to
    /// the output is a folder (not a file) and takes a new file (a probe file is made and removed there; no
    /// folder is created). A one-line user error naming the path otherwise.
    /// </summary>
    public void CheckWritable()
    {
        string target = Path.GetFullPath(toFile ? Path.GetDirectoryName(Path.GetFullPath(output)) ?? "." : output);
        string existing = target;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
                throw new UserErrorException($"-o '{output}': '{existing}' is a file, where a folder must be");
            existing = Path.GetDirectoryName(existing) ?? throw new UserErrorException($"-o '{output}': no folder on the way to it exists");
        }
        string probe = Path.Combine(existing, $".colorkernels-probe-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"-o '{output}': cannot write in '{existing}' ({AtomicFile.Describe(e)})");
        }
        finally
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Already gone (DeleteOnClose), or never made.
            }
        }
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
