using System.Diagnostics;
using System.Text.RegularExpressions;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;

namespace ColorKernels.Engine.Video;

/// <summary>
/// Colours a folder of numbered frames (film scans: frame_0001.png, frame_0002.png ...) as one sequence,
/// in natural order (frame_2 before frame_10), with the same temporal stabilisation as videos, and writes
/// each frame under its own name into the output folder (each write atomic).
/// </summary>
public static class SequenceColorizer
{
    /// <summary>The pictures of <paramref name="folder"/> (not its subfolders) in natural order.</summary>
    public static IReadOnlyList<string> Frames(string folder)
    {
        if (!Directory.Exists(folder))
            throw new UserErrorException($"'{folder}': --sequence needs a folder of numbered frames");
        var frames = Directory.GetFiles(folder).Where(ImageIO.HasImageExtension).OrderBy(f => NaturalKey(Path.GetFileName(f)), StringComparer.Ordinal).ToList();
        if (frames.Count == 0)
            throw new UserErrorException($"'{folder}': holds no frames ({string.Join(", ", ImageIO.Extensions)})");
        return frames;
    }

    /// <summary>
    /// Colours every frame of <paramref name="folder"/> into <paramref name="outputFolder"/> (same names);
    /// frames must share one size. Existing outputs are replaced only with <paramref name="overwrite"/>.
    /// </summary>
    public static VideoReport Colorize(IColorizer colorizer, string folder, string outputFolder, bool overwrite, VideoOptions? options = null,
        IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(colorizer);
        options ??= new VideoOptions();
        IReadOnlyList<string> frames = Frames(folder);
        if (Path.GetFullPath(outputFolder) == Path.GetFullPath(folder))
            throw new UserErrorException($"'{outputFolder}': the output folder must not be the sequence's own (inputs are never overwritten)");
        string[] outputs = frames.Select(f => Path.Combine(outputFolder, Path.GetFileName(f))).ToArray();
        if (!overwrite && outputs.FirstOrDefault(File.Exists) is { } existing)
            throw new UserErrorException($"'{existing}' exists; add --overwrite to replace the sequence's outputs");
        var clock = Stopwatch.StartNew();
        TemporalStabilizer? stabilizer = null;
        try
        {
            (int Width, int Height)? size = null;
            for (int i = 0; i < frames.Count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                ImageData input = ImageIO.Load(frames[i], options.MaxPixels);
                if (size is { } s && (input.Width, input.Height) != s)
                    throw new UserErrorException($"'{frames[i]}': {input.Width}x{input.Height}, but the sequence's frames are {s.Width}x{s.Height}");
                size = (input.Width, input.Height);
                ImageData coloured;
                if (options.Stabilize)
                {
                    if (input.SixteenBit)
                        throw new UserErrorException($"'{frames[i]}': 16-bit frames are coloured one by one: add --per-frame");
                    stabilizer ??= new TemporalStabilizer(colorizer.Device, input.Width, input.Height, options);
                    coloured = stabilizer.Colorize(colorizer, new[] { input })[0];
                }
                else
                    coloured = colorizer.Colorize(input);
                ImageIO.Save(outputs[i], coloured);
                progress?.Report(i + 1);
            }
            return new VideoReport(frames.Count, clock.Elapsed.TotalSeconds, stabilizer?.Cuts ?? 0);
        }
        finally
        {
            stabilizer?.Dispose();
        }
    }

    /// <summary>The name with every run of digits zero-padded to 12, so that ordinal order is natural order.</summary>
    private static string NaturalKey(string name) => Regex.Replace(name, "[0-9]+", m => m.Value.PadLeft(12, '0'));
}
