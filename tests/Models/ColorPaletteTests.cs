using ColorKernels.Engine;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Models;

/// <summary>
/// Palettes through the library (<see cref="ColorPalette"/>, <see cref="IColorizer.Decode"/> with a palette,
/// <see cref="ColorizerOptions.ColorPalette"/>): a palette pulls the colours toward its own on either method,
/// strength 0 changes nothing, a photo's histogram and a colour list are read as documented, and bad
/// palettes are one-line errors. The kernel's re-weighting is checked against its double reference in the
/// op table (Softmax.PaletteDecode ... re-weighted).
/// </summary>
public class ColorPaletteTests
{
    /// <summary>A picture with texture (the built-in model's colours depend on it): a horizontal L ramp with vertical stripes.</summary>
    internal static ImageData Stripes()
    {
        const int W = 80, H = 56;
        var rgb = new byte[W * H * 3];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                byte v = (byte)(40 + 160 * x / W + (x / 6 % 2 == 0 ? 0 : 30));
                rgb[3 * (y * W + x)] = rgb[3 * (y * W + x) + 1] = rgb[3 * (y * W + x) + 2] = v;
            }
        return ImageData.FromRgb8(W, H, rgb);
    }

    /// <summary>The mean chroma of a picture.</summary>
    private static (double A, double B) MeanAb(ImageData image)
    {
        double a = 0, b = 0;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                var (pa, pb) = ColorHintTests.AbAt(image, x, y);
                a += pa;
                b += pb;
            }
        int n = image.Width * image.Height;
        return (a / n, b / n);
    }

    private static double Distance((double A, double B) p, float a, float b) => Math.Sqrt((p.A - a) * (p.A - a) + (p.B - b) * (p.B - b));

    [Theory]
    [InlineData("default", "#3060c0")]
    [InlineData("default", "#40a040")]
    [InlineData("docs/som-mlp/general.ckm", "#3060c0")]
    public void A_palette_pulls_the_colours_toward_its_own_and_strength_0_changes_nothing(string model, string colour)
    {
        var device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, model == "default" ? model : TestData.RepositoryFile(model.Split('/')));
        using Prediction prediction = colorizer.Predict(Stripes());
        ColorPalette palette = ColorPalette.Parse(colour);
        PaletteColor target = palette.Colors[0];
        ImageData automatic = colorizer.Decode(prediction);
        ImageData steered = colorizer.Decode(prediction, null, null, palette);
        double before = Distance(MeanAb(automatic), target.A, target.B), after = Distance(MeanAb(steered), target.A, target.B);
        Assert.True(after < before - 5, $"mean chroma {before:F1} from {colour} automatically, {after:F1} with it as the palette");
        // A stronger palette pulls further.
        double stronger = Distance(MeanAb(colorizer.Decode(prediction, null, null, palette with { Strength = 3 })), target.A, target.B);
        Assert.True(stronger < after, $"strength 3: {stronger:F1} from {colour}, strength 1: {after:F1}");
        // alpha = 0 adds 0 to every logit: the automatic output, bit for bit.
        Assert.Equal(automatic.Rgb8, colorizer.Decode(prediction, null, null, palette with { Strength = 0 }).Rgb8);
    }

    [Fact]
    public void The_options_palette_steers_every_decode_and_colorize()
    {
        var device = TestDevices.Get("cpu:0");
        ColorPalette palette = ColorPalette.Parse("#3060c0");
        using IColorizer plain = Colorizer.Open(device, "default");
        using IColorizer steered = Colorizer.Open(device, "default", new ColorizerOptions { ColorPalette = palette });
        ImageData picture = Stripes();
        using Prediction prediction = plain.Predict(picture);
        ImageData expected = plain.Decode(prediction, null, null, palette);
        Assert.Equal(expected.Rgb8, steered.Colorize(picture).Rgb8);
        Assert.NotEqual(plain.Colorize(picture).Rgb8, steered.Colorize(picture).Rgb8);
    }

    [Fact]
    public void A_photos_palette_is_its_ab_histogram_on_the_10_unit_grid()
    {
        var device = TestDevices.Get("cpu:0");
        // 40 x 30: the left quarter red-brown, the rest blue.
        const int W = 40, H = 30;
        var rgb = new byte[W * H * 3];
        for (int i = 0; i < W * H; i++)
        {
            bool left = i % W < 10;
            rgb[3 * i] = (byte)(left ? 170 : 50);
            rgb[3 * i + 1] = (byte)(left ? 70 : 90);
            rgb[3 * i + 2] = (byte)(left ? 40 : 200);
        }
        ColorPalette palette = ColorPalette.FromImage(device, ImageData.FromRgb8(W, H, rgb));
        var red = ColorHint.FromColor(0, 0, "#aa4628");
        var blue = ColorHint.FromColor(0, 0, "#325ac8");
        Assert.Equal(2, palette.Colors.Count);
        PaletteColor r = palette.Colors.Single(c => Math.Abs(c.A - red.A) <= 5 && Math.Abs(c.B - red.B) <= 5);
        PaletteColor b = palette.Colors.Single(c => Math.Abs(c.A - blue.A) <= 5 && Math.Abs(c.B - blue.B) <= 5);
        Assert.Equal(W * H / 4, r.Weight);
        Assert.Equal(3 * W * H / 4, b.Weight);
        Assert.True(r.A % 10 == 0 && r.B % 10 == 0, $"cell centre ({r.A}, {r.B})");
    }

    [Fact]
    public void Class_weights_sum_to_1_and_a_colour_on_a_bin_stays_there_when_the_spread_is_small()
    {
        float[] bins = BinCodebook.Interleaved();
        ColorPalette palette = ColorPalette.FromColors(new[] { new PaletteColor(bins[2 * 100], bins[2 * 100 + 1], 3), new PaletteColor(bins[2 * 7], bins[2 * 7 + 1], 1) });
        double[] h = (palette with { Spread = 1 }).ClassWeights(bins);
        Assert.Equal(1.0, h.Sum(), 12);
        Assert.Equal(0.75, h[100], 6);
        Assert.Equal(0.25, h[7], 6);
        // With the default spread the weight is shared among neighbouring bins, still mostly on its own.
        double[] spread = palette.ClassWeights(bins);
        Assert.Equal(1.0, spread.Sum(), 12);
        Assert.True(spread[100] > 0.3 && spread[100] < 0.75, $"h[100] = {spread[100]}");
        // A colour far from every entry of a small palette lands on its nearest.
        double[] few = ColorPalette.FromColors(new[] { new PaletteColor(100, 100, 1) }).ClassWeights(new float[] { 0, 0, -50, 20, 60, 40 });
        Assert.True(few[2] > 0.999, string.Join(", ", few));
    }

    /// <summary>
    /// Hints as a palette (issue #43): through the device's decode, a red hint's palette moves a cell the model is
    /// unsure of (a wide distribution around grey) well toward red, and leaves a cell it is sure of (most of its mass
    /// on one blue bin) blue: the gate is the model's own distribution. Strength 0 is no palette; each hint weighs
    /// its area.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestDevices.Accelerators), MemberType = typeof(TestDevices))]
    public void Hints_as_a_palette_move_a_cell_the_model_is_unsure_of_and_leave_one_it_is_sure_of(string deviceName)
    {
        var device = TestDevices.Get(deviceName);
        float[] bins = BinCodebook.Interleaved();
        int q = bins.Length / 2, blue = Enumerable.Range(0, q).MinBy(k => Math.Pow(bins[2 * k], 2) + Math.Pow(bins[2 * k + 1] + 40, 2));
        // Class-major logits over 2 cells (plane 2): cell 0 sure of blue (a 7-nat lead), cell 1 a wide Gaussian around grey.
        var logits = new float[q * 2];
        for (int k = 0; k < q; k++)
        {
            logits[2 * k] = k == blue ? 7f : 0f;
            logits[2 * k + 1] = -(bins[2 * k] * bins[2 * k] + bins[2 * k + 1] * bins[2 * k + 1]) / (2f * 30f * 30f);
        }
        var red = new ColorHint(5, 5, 50, 40, Size: 3);
        ColorPalette palette = CodebookColorizer.HintPalette(new[] { red }, new PropagationSettings())!;
        using Tensor<float> z = device.Upload("logits", Shape.Nchw(1, q, 1, 2), logits);
        using Tensor<float> colours = device.Upload("palette", new Shape(q, 2), bins);
        using Tensor<float> bias = device.Upload("bias", new Shape(q), palette.ClassBias(bins));
        using Tensor<float> plain = device.Upload("ab.plain", Shape.Nchw(1, 2, 1, 2), TestData.Filled(4, float.NaN));
        using Tensor<float> steered = device.Upload("ab.steered", Shape.Nchw(1, 2, 1, 2), TestData.Filled(4, float.NaN));
        SoftmaxOps.PaletteDecode(z, colours, plain, 0.38f);
        SoftmaxOps.PaletteDecode(z, colours, steered, 0.38f, bias);
        float[] p = plain.Download(), s = steered.Download();
        // ab [1, 2, 1, 2]: a of cells 0, 1, then b of cells 0, 1.
        double sureMoved = Math.Sqrt(Math.Pow(s[0] - p[0], 2) + Math.Pow(s[2] - p[2], 2));
        double unsureBefore = Math.Sqrt(Math.Pow(p[1] - red.A, 2) + Math.Pow(p[3] - red.B, 2));
        double unsureAfter = Math.Sqrt(Math.Pow(s[1] - red.A, 2) + Math.Pow(s[3] - red.B, 2));
        Assert.True(p[2] < -25, $"the sure cell decodes to ({p[0]:F1}, {p[2]:F1}), not blue: the test's logits are wrong");
        Assert.True(sureMoved < 3, $"the sure blue cell moved by {sureMoved:F1} toward the red hint ({p[0]:F1}, {p[2]:F1}) -> ({s[0]:F1}, {s[2]:F1})");
        Assert.True(unsureAfter < unsureBefore / 2, $"the unsure cell moved from {unsureBefore:F1} to {unsureAfter:F1} from the red hint: ({p[1]:F1}, {p[3]:F1}) -> ({s[1]:F1}, {s[3]:F1})");
        Assert.Null(CodebookColorizer.HintPalette(new[] { red }, new PropagationSettings(HintPaletteStrength: 0f)));
        ColorPalette two = CodebookColorizer.HintPalette(new[] { red, new ColorHint(9, 9, -20, 30, Size: 1) }, new PropagationSettings())!;
        Assert.Equal(new[] { 9.0, 1.0 }, two.Colors.Select(c => c.Weight));
        Assert.Equal(1.0, two.Strength, 6);
        Assert.Equal(1e-2, two.Floor, 6);
        Assert.Equal(5.0, two.Spread, 6);
    }

    [Theory]
    [InlineData("", "no colours")]
    [InlineData("#12345", "colour '#12345': expected #rrggbb")]
    [InlineData("#aa3322,blue", "colour 'blue': expected #rrggbb")]
    public void A_bad_colour_list_is_a_one_line_error(string colours, string message)
    {
        var e = Assert.Throws<UserErrorException>(() => ColorPalette.Parse(colours));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Bad_settings_and_a_greyscale_photo_are_one_line_errors()
    {
        var device = TestDevices.Get("cpu:0");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        using Prediction prediction = colorizer.Predict(Stripes());
        ColorPalette palette = ColorPalette.Parse("aa3322 334455");
        Assert.Equal(2, palette.Colors.Count);
        Assert.Contains("palette strength -1", Assert.Throws<UserErrorException>(() => colorizer.Decode(prediction, null, null, palette with { Strength = -1 })).Message);
        Assert.Contains("palette floor 0", Assert.Throws<UserErrorException>(() => colorizer.Decode(prediction, null, null, palette with { Floor = 0 })).Message);
        Assert.Contains("palette spread NaN", Assert.Throws<UserErrorException>(() => colorizer.Decode(prediction, null, null, palette with { Spread = double.NaN })).Message);
        Assert.Contains("has no colour to take", Assert.Throws<UserErrorException>(() => ColorPalette.FromImage(device, Stripes())).Message);
        Assert.Contains("a = 200", Assert.Throws<UserErrorException>(() => ColorPalette.FromColors(new[] { new PaletteColor(200, 0, 1) })).Message);
    }
}
