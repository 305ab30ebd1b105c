using ColorKernels.Engine.Imaging;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Cli;

/// <summary>
/// <c>colorize --hints</c>: a JSON file of hints for one picture, or a folder of STEM.json files for several;
/// the hinted square takes the hint's chroma, a picture without a file is coloured automatically, and a bad
/// hints file is one line naming the file and the entry, exit 2, nothing written.
/// </summary>
public class HintCliTests : CliFolder
{
    public HintCliTests() : base("ck-hints") { }

    /// <summary>The library test's two-region picture (L 35 | L 80), written to <paramref name="path"/>.</summary>
    private static void TwoRegions(string path) => ImageIO.Save(path, Models.ColorHintTests.TwoRegions());

    private static (double A, double B) AbAt(string path, int x, int y) => Models.ColorHintTests.AbAt(ImageIO.Load(path), x, y);

    private const string Olive = """{"hints": [{"x": 20, "y": 32, "color": "#507040", "size": 9}]}""";

    [Fact]
    public void A_hints_file_colours_the_hinted_square_with_the_hints_chroma()
    {
        TwoRegions(P("grey.png"));
        File.WriteAllText(P("grey.json"), Olive);
        var r = CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("out.png"), "--hints", P("grey.json"));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var hint = Engine.Models.ColorHint.FromColor(0, 0, "#507040");
        foreach (var (x, y) in new[] { (20, 32), (16, 28), (24, 36) })
        {
            var (a, b) = AbAt(P("out.png"), x, y);
            Assert.True(Math.Abs(a - hint.A) < 5 && Math.Abs(b - hint.B) < 5, $"({x}, {y}): ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");
        }
    }

    /// <summary>
    /// The hints' palette reaches the places alike to the hinted one and only those (issue #43: "gated so that a red shirt
    /// hint does not turn the sky red"). Three flat bands, dark | light | dark, one hint on the left band: the right band
    /// (alike in L and in the model's colour, but behind two strong edges the spread does not cross) takes the hint's
    /// palette by default and keeps the automatic colours with --hint-palette-strength 0; the light band between them,
    /// unlike the hinted place, keeps its automatic colours either way. The hinted square takes the hint either way.
    /// </summary>
    [Fact]
    public void The_hint_palette_moves_the_alike_places_the_spread_cannot_reach_and_leaves_the_unlike_ones()
    {
        var rgb = new byte[144 * 64 * 3];
        for (int i = 0; i < 144 * 64; i++)
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (byte)(i % 144 is >= 48 and < 96 ? 198 : 84);
        ImageIO.Save(P("bands.png"), ImageData.FromRgb8(144, 64, rgb));
        File.WriteAllText(P("bands.json"), Olive);
        var automatic = CliRunner.Run(dir, "colorize", P("bands.png"), "-o", P("auto.png"));
        var spread = CliRunner.Run(dir, "colorize", P("bands.png"), "-o", P("spread.png"), "--hints", P("bands.json"), "--hint-palette-strength", "0");
        var steered = CliRunner.Run(dir, "colorize", P("bands.png"), "-o", P("steered.png"), "--hints", P("bands.json"));
        Assert.True(automatic.ExitCode == 0 && spread.ExitCode == 0 && steered.ExitCode == 0, automatic.Stderr + spread.Stderr + steered.Stderr);
        var hint = Engine.Models.ColorHint.FromColor(0, 0, "#507040");
        double Moved(string path, int x) => Distance(AbAt(P("auto.png"), x, 32), AbAt(P(path), x, 32));
        Assert.True(Moved("spread.png", 120) < 2, $"strength 0 moved the far dark band by {Moved("spread.png", 120):F1}");
        Assert.True(Moved("steered.png", 120) > 5, $"the default moved the far dark band by only {Moved("steered.png", 120):F1}");
        foreach (string path in new[] { "spread.png", "steered.png" })
        {
            Assert.True(Moved(path, 72) < 2, $"{path} moved the light band between by {Moved(path, 72):F1}");
            var (a, b) = AbAt(P(path), 20, 32);
            Assert.True(Math.Abs(a - hint.A) < 5 && Math.Abs(b - hint.B) < 5, $"{path} (20, 32): ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");
        }
    }

    private static double Distance((double A, double B) p, (double A, double B) q) => Math.Sqrt((p.A - q.A) * (p.A - q.A) + (p.B - q.B) * (p.B - q.B));

    [Fact]
    public void A_folder_of_hints_steers_the_inputs_that_have_one()
    {
        Directory.CreateDirectory(P("in"));
        Directory.CreateDirectory(P("hints"));
        TwoRegions(P("in", "a.png"));
        TwoRegions(P("in", "b.png"));
        File.WriteAllText(P("hints", "a.json"), Olive);
        var hinted = CliRunner.Run(dir, "colorize", P("in"), "-o", P("out"), "--hints", P("hints"));
        var automatic = CliRunner.Run(dir, "colorize", P("in"), "-o", P("auto"));
        Assert.True(hinted.ExitCode == 0 && automatic.ExitCode == 0, hinted.Stderr + automatic.Stderr);
        Assert.NotEqual(ImageIO.Load(P("auto", "a.png")).Rgb8, ImageIO.Load(P("out", "a.png")).Rgb8);
        Assert.Equal(ImageIO.Load(P("auto", "b.png")).Rgb8, ImageIO.Load(P("out", "b.png")).Rgb8);
    }

    [Theory]
    [InlineData("{\"hints\": [", "not valid JSON")]
    [InlineData("{\"points\": []}", "expected {\"hints\": [")]
    [InlineData("{\"hints\": [{\"x\": 96, \"y\": 5, \"color\": \"#ff0000\"}]}", "hint 0: hint at (96, 5): outside the 96x64 picture")]
    [InlineData("{\"hints\": [{\"x\": 1, \"y\": 1, \"color\": \"#ff0000\"}, {\"x\": 1, \"y\": 1, \"color\": \"red\"}]}", "hint 1: colour 'red': expected #rrggbb")]
    [InlineData("{\"hints\": [{\"x\": 1, \"y\": 1, \"color\": \"#ff0000\", \"size\": 65}]}", "hint 0: hint at (1, 1): size 65, expected 1 to 64")]
    [InlineData("{\"hints\": [{\"x\": 1.5, \"y\": 1, \"color\": \"#ff0000\"}]}", "hint 0: \"x\" must be a whole number")]
    [InlineData("{\"hints\": [{\"y\": 1, \"color\": \"#ff0000\"}]}", "hint 0: \"x\" is missing")]
    public void A_bad_hints_file_is_one_line_naming_the_entry_exit_2_and_nothing_written(string json, string message)
    {
        TwoRegions(P("grey.png"));
        AssertBadHintsFileRefused(P("grey.png"), "out.png", json, message);
    }

    [Fact]
    public void Too_many_hints_are_refused()
    {
        TwoRegions(P("grey.png"));
        string many = "{\"hints\": [" + string.Join(",", Enumerable.Repeat("{\"x\": 1, \"y\": 1, \"color\": \"#ff0000\"}", 10_001)) + "]}";
        File.WriteAllText(P("many.json"), many);
        var r = CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("out.png"), "--hints", P("many.json"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("10001 hints, at most 10000", r.Stderr);
    }

    [Fact]
    public void Model_none_spreads_the_hints_over_grey_and_needs_hints()
    {
        TwoRegions(P("grey.png"));
        File.WriteAllText(P("grey.json"), Olive);
        var r = CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("out.png"), "--model", "none", "--hints", P("grey.json"));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var hint = Engine.Models.ColorHint.FromColor(0, 0, "#507040");
        var (a, b) = AbAt(P("out.png"), 20, 32);
        Assert.True(Math.Abs(a - hint.A) < 5 && Math.Abs(b - hint.B) < 5, $"(20, 32): ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");
        var (a2, b2) = AbAt(P("out.png"), 80, 40);
        Assert.True(Math.Abs(a2) < 2 && Math.Abs(b2) < 2, $"(80, 40): ab ({a2:F1}, {b2:F1}), expected grey");
        var without = CliRunner.Run(dir, "colorize", P("grey.png"), "-o", P("none.png"), "--model", "none");
        Assert.Equal(2, without.ExitCode);
        Assert.Contains("--model none colours only where hints say: give --hints", without.Stderr);
        Assert.False(File.Exists(P("none.png")));
    }
}
