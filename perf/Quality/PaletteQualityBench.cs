using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Training;

namespace ColorKernels.Perf.Quality;

/// <summary>
/// Palettes on half-photo pairs (#26's measurement): each eval photo's left half is the reference (its ab
/// histogram the palette, or, for SOM + MLP reference mode, the photo a model is fitted to in seconds), its
/// right half the picture to colour, scored against its true colours (PSNR and rebalanced AuC). Baselines
/// alike: the same right half, the same scorer; the built-in model's automatic output and reference mode's.
/// The palette's settings (strength alpha, floor eps, spread sigma) are compared on the first half of the
/// photos and every one is also reported on the second half, so a choice can be made on one half and read
/// on the other; also the photos a setting made worse than the automatic output.
/// </summary>
internal static class PaletteQualityBench
{
    public static void Run(ComputeDevice device, string data, int limit, TextWriter log)
    {
        IReadOnlyList<string> photos = PhotoBatches.Scan(data).Take(limit).ToList();
        var settings = new List<(string Name, Func<ColorPalette, ColorPalette> Apply)>();
        foreach (double alpha in new[] { 0.5, 1, 2 })
            foreach (double eps in new[] { 1e-3, 1e-2 })
                foreach (double sigma in new[] { 5.0, 10.0 })
                    settings.Add((FormattableString.Invariant($"palette a={alpha} e={eps} s={sigma}"), p => p with { Strength = alpha, Floor = eps, Spread = sigma }));
        settings = Harness.Chosen(settings, v => v.Name);
        bool withReference = Environment.GetEnvironmentVariable("PERF_NO_REFERENCE") is null;
        var rows = new List<string> { "automatic" };
        rows.AddRange(settings.Select(s => s.Name));
        if (withReference)
            rows.Add("som+mlp --reference (left half)");
        var scores = rows.Select(_ => new List<(double Psnr, double Auc)>()).ToArray();
        using IColorizer colorizer = Colorizer.Open(device, "default");
        using var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
        string scratch = Directory.CreateTempSubdirectory("palette-bench-").FullName;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double fitSeconds = 0;
        try
        {
            foreach (string path in photos)
            {
                ImageData photo = ImageIO.Load(path);
                int half = photo.Width / 2;
                ImageData left = Crop(photo, 0, half), right = Crop(photo, half, photo.Width - half);
                using Prediction prediction = colorizer.Predict(right);
                ColorPalette palette = ColorPalette.FromImage(device, left);
                string name = Path.GetFileName(path);
                scores[0].Add(Score(metrics.Score(name, "auto", colorizer.Decode(prediction), right)));
                for (int s = 0; s < settings.Count; s++)
                    scores[1 + s].Add(Score(metrics.Score(name, "palette", colorizer.Decode(prediction, null, null, settings[s].Apply(palette)), right)));
                if (withReference)
                {
                    string leftFile = Path.Combine(scratch, "left.png");
                    ImageIO.Save(leftFile, left);
                    var fitClock = System.Diagnostics.Stopwatch.StartNew();
                    var (model, _) = ReferenceColorizer.Fit(device, new[] { leftFile }, null, ReferenceColorizer.DefaultSteps, null, _ => { });
                    fitSeconds += fitClock.Elapsed.TotalSeconds;
                    using IColorizer reference = Colorizer.Open(device, model);
                    scores[^1].Add(Score(metrics.Score(name, "reference", reference.Colorize(right), right)));
                }
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
        int chooseHalf = photos.Count / 2;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"palette  {photos.Count} photos from {data}, left half the reference, right half coloured and scored (first half of the photos to choose, second to report), built-in model, {device.Description}; {clock.Elapsed.TotalSeconds:0} s in all, reference fits {fitSeconds / Math.Max(1, photos.Count):0.0} s each"));
        log.WriteLine($"  {"setting",-34} {"half",-6} {"PSNR",8} {"AuC",7} {"worse than automatic",22}");
        for (int r = 0; r < rows.Count; r++)
            foreach (var (halfName, from, to) in new[] { ("choose", 0, chooseHalf), ("report", chooseHalf, photos.Count) })
            {
                var mine = scores[r].Skip(from).Take(to - from).ToList();
                var auto = scores[0].Skip(from).Take(to - from).ToList();
                int worse = mine.Zip(auto, (m, a) => m.Psnr < a.Psnr ? 1 : 0).Sum();
                log.WriteLine(FormattableString.Invariant($"  {rows[r],-34} {halfName,-6} {mine.Where(v => double.IsFinite(v.Psnr)).Average(v => v.Psnr),8:F2} {mine.Average(v => v.Auc),7:F3} {worse,15} of {to - from}"));
            }
    }

    private static (double Psnr, double Auc) Score(ImageScore score) => (score.Psnr, score.AucRebalanced);

    /// <summary>Columns [x0, x0 + width) of an 8-bit picture.</summary>
    private static ImageData Crop(ImageData photo, int x0, int width)
    {
        var rgb = new byte[3 * width * photo.Height];
        for (int y = 0; y < photo.Height; y++)
            Array.Copy(photo.Rgb8!, 3 * (y * photo.Width + x0), rgb, 3 * y * width, 3 * width);
        return ImageData.FromRgb8(width, photo.Height, rgb);
    }
}
