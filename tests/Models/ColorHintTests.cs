using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Kernels.Color;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>Colour hints through the library (IColorizer.Decode with hints): the hinted place takes the hint's chroma, a region across an L edge keeps the model's colours, and bad hints are one-line errors.</summary>
public class ColorHintTests
{
    /// <summary>96 x 64 grey: L 35 left of column 48, L 80 right of it.</summary>
    internal static ImageData TwoRegions()
    {
        var rgb = new byte[96 * 64 * 3];
        for (int i = 0; i < 96 * 64; i++)
        {
            byte v = (byte)(i % 96 < 48 ? 84 : 198);
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
        }
        return ImageData.FromRgb8(96, 64, rgb);
    }

    /// <summary>The CIELAB chroma of pixel (x, y) of an 8-bit picture.</summary>
    internal static (double A, double B) AbAt(ImageData image, int x, int y)
    {
        int i = 3 * (y * image.Width + x);
        var (_, a, b) = LabReference.SrgbToLab(image.Rgb8![i] / 255.0, image.Rgb8[i + 1] / 255.0, image.Rgb8[i + 2] / 255.0);
        return (a, b);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("docs/som-mlp/general.ckm")]
    public void A_hint_colours_its_region_and_the_other_side_of_an_edge_keeps_the_models_colours(string model)
    {
        var device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, model == "default" ? model : TestData.RepositoryFile(model.Split('/')));
        // The propagation's own properties, without the hints' palette (which re-weights every cell's
        // distribution, on both sides of the edge: checked at the end and in ColorPaletteTests).
        var codebook = (CodebookColorizer)colorizer;
        codebook.PropagationSettings = new PropagationSettings(HintPaletteStrength: 0f);
        ImageData picture = TwoRegions();
        // A muted olive green: the model says cool greys here, and hint plus model stay inside sRGB (no clipping to confuse the chroma read back).
        ColorHint hint = ColorHint.FromColor(20, 32, "#507040", size: 9);
        using Prediction prediction = colorizer.Predict(picture);
        ImageData automatic = colorizer.Decode(prediction);
        ImageData hinted = colorizer.Decode(prediction, null, new[] { hint });

        // Every pixel of the hinted square takes the hint's chroma (8-bit output: within 5).
        for (int y = 28; y <= 36; y++)
            for (int x = 16; x <= 24; x++)
            {
                var (a, b) = AbAt(hinted, x, y);
                Assert.True(Math.Abs(a - hint.A) < 5 && Math.Abs(b - hint.B) < 5, $"({x}, {y}): ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");
            }
        // The rest of the left region is shifted by the hints' corrections, spread: by a shift between no shift
        // and those at the hinted square (the interpolation's maximum principle, with its weak pull to none),
        // not flattened to the hint, and by at least half of the hint's.
        var shifts = new List<(double A, double B)>();
        for (int y = 28; y <= 36; y++)
            for (int x = 16; x <= 24; x++)
            {
                var (a0, b0) = AbAt(automatic, x, y);
                var (a1, b1) = AbAt(hinted, x, y);
                shifts.Add((a1 - a0, b1 - b0));
            }
        double meanA = shifts.Average(s => s.A), meanB = shifts.Average(s => s.B);
        Assert.True(Math.Sqrt(meanA * meanA + meanB * meanB) > 8, $"the hint corrects the model by only ({meanA:F1}, {meanB:F1}): pick a colour it does not predict");
        foreach (var (x, y) in new[] { (5, 5), (40, 60), (2, 62), (44, 2) })
        {
            var (a0, b0) = AbAt(automatic, x, y);
            var (a1, b1) = AbAt(hinted, x, y);
            Assert.True(a1 - a0 > Math.Min(0, shifts.Min(s => s.A)) - 2 && a1 - a0 < Math.Max(0, shifts.Max(s => s.A)) + 2
                && b1 - b0 > Math.Min(0, shifts.Min(s => s.B)) - 2 && b1 - b0 < Math.Max(0, shifts.Max(s => s.B)) + 2,
                $"({x}, {y}): shifted by ({a1 - a0:F1}, {b1 - b0:F1}), at the hint by a in [{shifts.Min(s => s.A):F1}, {shifts.Max(s => s.A):F1}], b in [{shifts.Min(s => s.B):F1}, {shifts.Max(s => s.B):F1}]");
            double reach = Math.Sqrt((a1 - a0) * (a1 - a0) + (b1 - b0) * (b1 - b0)) / Math.Sqrt(meanA * meanA + meanB * meanB);
            Assert.True(reach > 0.5, $"({x}, {y}): only {reach:P0} of the hint's correction reached it");
        }
        // The right region, a strong L edge away, keeps the automatic colours.
        foreach (var (x, y) in new[] { (70, 32), (90, 5), (60, 60) })
        {
            var (a0, b0) = AbAt(automatic, x, y);
            var (a1, b1) = AbAt(hinted, x, y);
            Assert.True(Math.Abs(a1 - a0) < 2 && Math.Abs(b1 - b0) < 2, $"({x}, {y}): ab ({a1:F1}, {b1:F1}) with the hint, ({a0:F1}, {b0:F1}) without");
        }
        // L is the picture's own.
        Assert.Equal(picture.Width, hinted.Width);
        Assert.Equal(automatic.Rgb8, colorizer.Decode(prediction, null, Array.Empty<ColorHint>()).Rgb8);
        // The one-call form gives the same picture.
        Assert.Equal(hinted.Rgb8, colorizer.Colorize(picture, new[] { hint }).Rgb8);
        // With the hints' palette (the default) the hinted square still takes the hint's chroma.
        codebook.PropagationSettings = new PropagationSettings();
        ImageData steered = colorizer.Decode(prediction, null, new[] { hint });
        for (int y = 28; y <= 36; y++)
            for (int x = 16; x <= 24; x++)
            {
                var (a, b) = AbAt(steered, x, y);
                Assert.True(Math.Abs(a - hint.A) < 5 && Math.Abs(b - hint.B) < 5, $"with the hints' palette, ({x}, {y}): ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");
            }
    }

    [Fact]
    public void Hints_reach_a_place_the_model_coloured_alike_behind_an_edge_and_not_a_place_of_another_grey()
    {
        // 96 x 64 grey: L 35 | L 80 | L 35 in thirds. Five olive hints in the left third (the pull takes its full
        // strength from 5 hints). The right third, cut off from them by the middle's two strong edges, has the left's
        // grey and the model's colours there: it takes their correction; the middle (another grey) does not. The hints'
        // palette is off in both runs, so only the pull differs.
        var device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var codebook = (CodebookColorizer)colorizer;
        var rgb = new byte[96 * 64 * 3];
        for (int i = 0; i < 96 * 64; i++)
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (byte)(i % 96 is >= 32 and < 64 ? 198 : 84);
        var picture = ImageData.FromRgb8(96, 64, rgb);
        var hints = new[] { (8, 12), (20, 20), (12, 32), (24, 44), (8, 52) }.Select(p => ColorHint.FromColor(p.Item1, p.Item2, "#507040", size: 3)).ToArray();
        using Prediction prediction = colorizer.Predict(picture);
        codebook.PropagationSettings = new PropagationSettings(HintPaletteStrength: 0f, NonLocalStrength: 0f);
        ImageData local = colorizer.Decode(prediction, null, hints);
        codebook.PropagationSettings = new PropagationSettings(HintPaletteStrength: 0f);
        ImageData pulled = colorizer.Decode(prediction, null, hints);
        ImageData automatic = colorizer.Decode(prediction);
        double Distance(ImageData image, int x, int y)
        {
            var (a, b) = AbAt(image, x, y);
            return Math.Sqrt((a - hints[0].A) * (a - hints[0].A) + (b - hints[0].B) * (b - hints[0].B));
        }
        foreach (var (x, y) in new[] { (80, 32), (72, 10), (88, 56) })
        {
            Assert.True(Distance(local, x, y) > 10, $"({x}, {y}): the local spread alone came within {Distance(local, x, y):F1} of the hint: the edge should stop it");
            Assert.True(Distance(pulled, x, y) < Distance(local, x, y) / 2, $"({x}, {y}): {Distance(pulled, x, y):F1} from the hint with the pull, {Distance(local, x, y):F1} without");
        }
        // The middle keeps the model's colours (within the 8-bit output's rounding): its grey is unlike the hinted cells'.
        foreach (var (x, y) in new[] { (48, 32), (40, 8), (56, 56) })
        {
            var (a0, b0) = AbAt(automatic, x, y);
            var (a1, b1) = AbAt(pulled, x, y);
            Assert.True(Math.Abs(a1 - a0) < 2 && Math.Abs(b1 - b0) < 2, $"({x}, {y}): moved by ({a1 - a0:F1}, {b1 - b0:F1})");
        }
    }

    [Fact]
    public void Edge_aware_upsampling_keeps_a_correction_off_the_pixels_beside_an_edge_that_bilinear_smears()
    {
        var device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var palette = (CodebookColorizer)colorizer;
        // The upsampling alone, without the hints' palette (which moves both sides of the edge alike).
        palette.PropagationSettings = new Engine.Ops.PropagationSettings(HintPaletteStrength: 0f);
        // 390 x 256: the edge at column 195 falls inside a cell of the 64 x 64 grid (6.1 pixels a cell).
        const int W = 390, H = 256;
        var rgb = new byte[W * H * 3];
        for (int i = 0; i < W * H; i++)
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (byte)(i % W < 195 ? 84 : 198);
        ImageData picture = ImageData.FromRgb8(W, H, rgb);
        ColorHint hint = ColorHint.FromColor(100, 128, "#507040", size: 15);
        using Prediction prediction = colorizer.Predict(picture);
        ImageData automatic = colorizer.Decode(prediction);
        ImageData edgeAware = colorizer.Decode(prediction, null, new[] { hint });
        palette.PropagationSettings = new Engine.Ops.PropagationSettings(EdgeAware: false, HintPaletteStrength: 0f);
        ImageData bilinear;
        try
        {
            bilinear = colorizer.Decode(prediction, null, new[] { hint });
        }
        finally
        {
            palette.PropagationSettings = new Engine.Ops.PropagationSettings();
        }
        double Shift(ImageData image, int x, int y)
        {
            var (a0, b0) = AbAt(automatic, x, y);
            var (a1, b1) = AbAt(image, x, y);
            return Math.Sqrt((a1 - a0) * (a1 - a0) + (b1 - b0) * (b1 - b0));
        }
        // Both carry the hint to the dark side's pixels beside the edge.
        Assert.True(Shift(edgeAware, 193, 128) > 8 && Shift(bilinear, 193, 128) > 8, $"at (193, 128): {Shift(edgeAware, 193, 128):F1} edge-aware, {Shift(bilinear, 193, 128):F1} bilinear");
        // Across the edge, bilinear smears the correction into the light side's first pixels; edge-aware does not.
        double smeared = Enumerable.Range(195, 4).Max(x => Shift(bilinear, x, 128)), kept = Enumerable.Range(195, 4).Max(x => Shift(edgeAware, x, 128));
        Assert.True(smeared > 3, $"bilinear shifts the light side's first pixels by only {smeared:F1}: the test does not exercise the edge");
        Assert.True(kept < 1.5, $"edge-aware shifts the light side's first pixels by {kept:F1} (bilinear {smeared:F1})");
    }

    [Fact]
    public void With_no_model_a_hint_colours_its_region_and_the_rest_stays_grey()
    {
        var device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, "none");
        Assert.Equal(ColorizationMethod.None, colorizer.Method);
        ImageData picture = TwoRegions();
        ColorHint hint = ColorHint.FromColor(20, 32, "#507040", size: 9);
        ImageData hinted = colorizer.Colorize(picture, new[] { hint });
        // The hinted square takes the hint's chroma; the rest of the left region (no edge inside it) at least
        // half of it (the solve's weak pull toward no correction fades it with distance), the hue kept.
        var (ha, hb) = AbAt(hinted, 20, 32);
        Assert.True(Math.Abs(ha - hint.A) < 5 && Math.Abs(hb - hint.B) < 5, $"(20, 32): ab ({ha:F1}, {hb:F1}), hint ({hint.A:F1}, {hint.B:F1})");
        foreach (var (x, y) in new[] { (2, 2), (44, 60), (30, 5) })
        {
            var (a, b) = AbAt(hinted, x, y);
            double along = (a * hint.A + b * hint.B) / (hint.A * hint.A + hint.B * hint.B), across = Math.Abs(a * hint.B - b * hint.A) / Math.Sqrt(hint.A * hint.A + hint.B * hint.B);
            Assert.True(along > 0.5 && along < 1.05 && across < 3, $"({x}, {y}): ab ({a:F1}, {b:F1}), hint ({hint.A:F1}, {hint.B:F1})");
        }
        foreach (var (x, y) in new[] { (70, 32), (93, 2), (55, 60) })
        {
            var (a, b) = AbAt(hinted, x, y);
            Assert.True(Math.Abs(a) < 2 && Math.Abs(b) < 2, $"({x}, {y}): ab ({a:F1}, {b:F1}), expected grey");
        }
        // Without hints it is the picture's grey; a palette has no distribution to re-weight.
        Assert.All(colorizer.Colorize(picture).Rgb8!.Chunk(3), p => Assert.True(Math.Abs(p[0] - p[1]) <= 1 && Math.Abs(p[1] - p[2]) <= 1));
        using Prediction prediction = colorizer.Predict(picture);
        Assert.Contains("no distribution for a palette", Assert.Throws<UserErrorException>(() => colorizer.Decode(prediction, null, null, ColorPalette.Parse("#aa3322"))).Message);
    }

    [Fact]
    public void Bad_hints_are_one_line_errors()
    {
        var device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        ImageData picture = TwoRegions();
        using Prediction prediction = colorizer.Predict(picture);
        foreach (var (hints, message) in new (ColorHint[], string)[]
        {
            (new[] { new ColorHint(96, 10, 0, 0) }, "hint at (96, 10): outside the 96x64 picture"),
            (new[] { new ColorHint(1, -1, 0, 0) }, "outside the 96x64 picture"),
            (new[] { new ColorHint(1, 1, 0, 0, Size: 65) }, "size 65, expected 1 to 64"),
            (new[] { new ColorHint(1, 1, 200, 0) }, "a = 200, b = 0, expected -128 to 127"),
            (Enumerable.Repeat(new ColorHint(1, 1, 0, 0), ColorHint.MaxHints + 1).ToArray(), "10001 hints: at most 10000 a picture"),
        })
            Assert.Contains(message, Assert.Throws<UserErrorException>(() => colorizer.Decode(prediction, null, hints)).Message);
        Assert.Contains("colour '#12345': expected #rrggbb", Assert.Throws<UserErrorException>(() => ColorHint.FromColor(0, 0, "#12345")).Message);
        Assert.Contains("expected #rrggbb", Assert.Throws<UserErrorException>(() => ColorHint.FromColor(0, 0, "#zzzzzz")).Message);
        // The colour's chroma, not its lightness: a dark and a light grey are both (0, 0).
        ColorHint grey = ColorHint.FromColor(0, 0, "#202020");
        Assert.InRange(grey.A, -0.01, 0.01);
        Assert.InRange(grey.B, -0.01, 0.01);
    }
}
