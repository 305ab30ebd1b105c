using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ColorKernels.Tests.Cli;

/// <summary>A temporary working folder for command-line tests (removed afterwards), with path and photo helpers.</summary>
public abstract class CliFolder : IDisposable
{
    protected CliFolder(string prefix) => dir = Directory.CreateTempSubdirectory(prefix).FullName;

    protected readonly string dir;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>A path inside the folder.</summary>
    protected string P(params string[] parts) => Path.Combine(new[] { dir }.Concat(parts).ToArray());

    /// <summary>Errors are one line each: no stack trace, no unhandled exception, no internal error (a bug).</summary>
    protected static void AssertNoStackTrace(CliRunner.Result r)
    {
        Xunit.Assert.DoesNotContain("   at ", r.Stderr);
        Xunit.Assert.DoesNotContain("Unhandled", r.Stderr);
        Xunit.Assert.DoesNotContain("internal error", r.Stderr);
    }

    /// <summary>
    /// <c>colorize INPUT -o OUTPUT --hints bad.json</c> (bad.json holding <paramref name="json"/>) is refused before
    /// anything is written: exit 2, one line naming the file and saying <paramref name="message"/>, no output, no temporary file.
    /// </summary>
    protected void AssertBadHintsFileRefused(string input, string output, string json, string message)
    {
        File.WriteAllText(P("bad.json"), json);
        var r = CliRunner.Run(dir, "colorize", input, "-o", P(output), "--hints", P("bad.json"));
        Xunit.Assert.Equal(2, r.ExitCode);
        Xunit.Assert.Contains("bad.json'", r.Stderr);
        Xunit.Assert.Contains(message, r.Stderr);
        Xunit.Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        AssertNoStackTrace(r);
        Xunit.Assert.False(File.Exists(P(output)));
        Xunit.Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    /// <summary>A small colourful photo (gradients in all three channels), folders created as needed.</summary>
    protected void WritePhoto(string path, int w = 12, int h = 9)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[x, y] = new Rgb24((byte)(x * 20), (byte)(200 - y * 15), (byte)(x * y));
        image.Save(path);
    }
}
