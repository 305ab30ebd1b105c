using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Models;

/// <summary>
/// The colours a person wants a picture in, as a weighted set of chroma (a, b) points: from a colour photo
/// (<see cref="FromImage"/>: its ab histogram) or from a list of colours (<see cref="Parse"/>). Decoding with
/// a palette re-weights each pixel's distribution over the model's palette before the annealed mean
/// (Zhang et al. 2016's decode): p'_q proportional to p_q (h_q + <see cref="Floor"/>)^<see cref="Strength"/>,
/// h the palette's weight on the model's colour q (each point's weight shared among the model's colours near
/// it, a Gaussian of <see cref="Spread"/>). No retraining: any model that predicts a distribution takes it
/// (the 313 ECCV16 bins, a SOM map's codewords). The defaults were chosen on half-photo pairs of eval photos
/// (docs/hints.md).
/// </summary>
public sealed record ColorPalette
{
    /// <summary>alpha: how strongly the palette steers (0 not at all).</summary>
    public const double DefaultStrength = 1.0;

    /// <summary>eps: the weight a colour the palette lacks keeps (relative to a palette whose weights sum to 1).</summary>
    public const double DefaultFloor = 1e-3;

    /// <summary>sigma in ab units of the Gaussian that shares a palette point among the model's colours (ECCV16's bins are 10 apart).</summary>
    public const double DefaultSpread = 5.0;

    /// <summary>The most colours a list may give.</summary>
    public const int MaxColors = 1000;

    /// <summary>The longer side a reference photo is sampled at for its histogram.</summary>
    internal const int HistogramSide = 128;

    private ColorPalette(IReadOnlyList<PaletteColor> colors) => Colors = colors;

    /// <summary>The palette's chroma points and their weights (any scale: only ratios count).</summary>
    public IReadOnlyList<PaletteColor> Colors { get; }

    /// <summary>alpha in (h + eps)^alpha, 0 to 10.</summary>
    public double Strength { get; init; } = DefaultStrength;

    /// <summary>eps in (h + eps)^alpha, above 0.</summary>
    public double Floor { get; init; } = DefaultFloor;

    /// <summary>sigma of the sharing Gaussian in ab units, above 0.</summary>
    public double Spread { get; init; } = DefaultSpread;

    /// <summary>A palette of the given chroma points (a, b from -128 to 127, weights above 0).</summary>
    public static ColorPalette FromColors(IEnumerable<PaletteColor> colors)
    {
        ArgumentNullException.ThrowIfNull(colors);
        var list = colors.ToList();
        if (list.Count == 0)
            throw new UserErrorException("palette: no colours");
        CheckCount(list.Count);
        foreach (PaletteColor c in list)
            if (!(c.A >= -128 && c.A <= 127 && c.B >= -128 && c.B <= 127 && c.Weight > 0 && double.IsFinite(c.Weight)))
                throw new UserErrorException($"palette colour a = {c.A}, b = {c.B}, weight {c.Weight}: expected a and b from -128 to 127 and a weight above 0");
        return new ColorPalette(list.AsReadOnly());
    }

    /// <summary>A palette of sRGB colours, "#aa3322,#334455" (the '#' optional, commas or spaces between), each weighted alike; their lightness is not used.</summary>
    public static ColorPalette Parse(string colors)
    {
        ArgumentNullException.ThrowIfNull(colors);
        string[] items = colors.Split(new[] { ',', ' ', ';' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0)
            throw new UserErrorException($"palette '{colors}': no colours (expected e.g. '#aa3322,#334455')");
        CheckCount(items.Length);
        return FromColors(items.Select(item =>
        {
            ColorHint asHint = ColorHint.FromColor(0, 0, item);
            return new PaletteColor(asHint.A, asHint.B, 1);
        }));
    }

    /// <summary>
    /// The palette of a colour photo: its ab histogram (the photo sampled at <see cref="HistogramSide"/> px on
    /// its longer side, each pixel counted in the nearest cell of a 10-unit ab grid), computed on
    /// <paramref name="device"/>.
    /// </summary>
    public static ColorPalette FromImage(ComputeDevice device, ImageData photo)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(photo);
        float scale = Math.Min(1f, (float)HistogramSide / Math.Max(photo.Width, photo.Height));
        int w = Math.Max(1, (int)Math.Round(photo.Width * scale)), h = Math.Max(1, (int)Math.Round(photo.Height * scale));
        float[] grid = Grid();
        int cells = grid.Length / 2;
        using Tensor<float> lab = device.Allocate<float>("palette.lab", Shape.Nchw(1, 3, photo.Height, photo.Width));
        LabOps.ImageToLab(device, photo, lab);
        using Tensor<float> ab = device.Allocate<float>("palette.ab", Shape.Nchw(1, 2, h, w));
        ResampleOps.ResizeBilinear(lab, 1, 2, ab, 0);
        using Tensor<float> centres = device.Upload("palette.grid", new Shape(2, cells), grid);
        using Tensor<int> counts = device.Upload("palette.counts", new Shape(cells), new int[cells]);
        LossOps.BinHistogram(ab, centres, counts);
        int[] n = counts.Download();
        var colors = new List<PaletteColor>();
        for (int c = 0; c < cells; c++)
            if (n[c] > 0)
                colors.Add(new PaletteColor(grid[c], grid[cells + c], n[c]));
        // A greyscale photo's histogram is one cell at (0, 0): as a palette it would only take colour away.
        long pixels = n.Sum(c => (long)c);
        if (colors.All(c => c.A == 0 && c.B == 0 || c.Weight < 1e-3 * pixels))
            throw new UserErrorException($"the palette photo ({photo.Width}x{photo.Height}) has no colour to take: give a colour photo");
        return new ColorPalette(colors.AsReadOnly());
    }

    /// <summary>The histogram's cell centres, [2, 23 x 23]: a and b at -110, -100, ..., 110 (ECCV16's bin grid).</summary>
    private static float[] Grid()
    {
        const int Side = 23;
        var grid = new float[2 * Side * Side];
        for (int i = 0; i < Side; i++)
            for (int j = 0; j < Side; j++)
            {
                grid[i * Side + j] = -110 + 10 * i;
                grid[Side * Side + i * Side + j] = -110 + 10 * j;
            }
        return grid;
    }

    /// <summary>The one rule for a palette's strength (colorize --palette-strength, the page's paletteStrength, <see cref="Strength"/>): 0 to 10.</summary>
    public static double CheckStrength(double strength, string what = "palette strength") =>
        strength >= 0 && strength <= 10 ? strength
        : throw new UserErrorException($"{what} {strength.ToString(CultureInfo.InvariantCulture)}: expected 0 to 10");

    /// <summary>The one rule for how many colours a palette holds (--palette, the page's palette, <see cref="FromColors"/>): at most <see cref="MaxColors"/>.</summary>
    public static int CheckCount(long count) =>
        count <= MaxColors ? (int)count : throw new UserErrorException($"palette: {count} colours, at most {MaxColors}");

    /// <summary>Refuses settings outside their ranges (one line naming the setting).</summary>
    internal void CheckSettings()
    {
        CheckStrength(Strength);
        if (!(Floor > 0 && Floor <= 1))
            throw new UserErrorException($"palette floor {Floor.ToString(CultureInfo.InvariantCulture)}: expected above 0, at most 1");
        if (!(Spread > 0 && Spread <= 100))
            throw new UserErrorException($"palette spread {Spread.ToString(CultureInfo.InvariantCulture)}: expected above 0, at most 100");
    }

    /// <summary>
    /// h over a model's palette ([Q, 2], a and b interleaved), summing to 1: each point's weight shared among
    /// the model's colours in proportion to exp(-d^2 / (2 Spread^2)), d its distance to each (so a point far
    /// from all still lands on its nearest ones).
    /// </summary>
    public double[] ClassWeights(IReadOnlyList<float> modelPalette)
    {
        ArgumentNullException.ThrowIfNull(modelPalette);
        CheckSettings();
        int q = modelPalette.Count / 2;
        var h = new double[q];
        var d2 = new double[q];
        double total = Colors.Sum(c => c.Weight);
        foreach (PaletteColor c in Colors)
        {
            double nearest = double.PositiveInfinity;
            for (int k = 0; k < q; k++)
            {
                double da = c.A - modelPalette[2 * k], db = c.B - modelPalette[2 * k + 1];
                d2[k] = da * da + db * db;
                nearest = Math.Min(nearest, d2[k]);
            }
            double sum = 0;
            for (int k = 0; k < q; k++)
                sum += d2[k] = Math.Exp(-(d2[k] - nearest) / (2 * Spread * Spread));
            for (int k = 0; k < q; k++)
                h[k] += c.Weight / total * d2[k] / sum;
        }
        return h;
    }

    /// <summary>The decode's per-class log-weights for a model's palette: Strength ln(h_q + Floor).</summary>
    public float[] ClassBias(IReadOnlyList<float> modelPalette) =>
        ClassWeights(modelPalette).Select(h => (float)(Strength * Math.Log(h + Floor))).ToArray();
}

/// <summary>One chroma point of a <see cref="ColorPalette"/>: CIELAB a and b, and its weight.</summary>
public readonly record struct PaletteColor(float A, float B, double Weight);
