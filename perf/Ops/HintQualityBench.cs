using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Training;
using ColorKernels.Kernels.Color;

namespace ColorKernels.Perf.Ops;

/// <summary>
/// Colour hints on photos with known colours (#26's measurement): each photo is predicted once by the
/// built-in model, then decoded with k simulated hints (k = 0, 2, 10; fixed seed): 3 x 3 patches at random
/// places whose hint is the patch's mean true ab. Scored against the photo (PSNR and rebalanced AuC, the
/// evaluation's metrics) for each propagation setting in the list. Settings are compared on the first half
/// of the photos and every setting is also reported on the second half, so a choice can be made on one half
/// and read on the other. Also: the photos a hinted decode made worse than the automatic one.
/// </summary>
internal static class HintQualityBench
{
    private static readonly int[] Counts = { 0, 2, 10 };

    public static void Run(ComputeDevice device, string data, int limit, TextWriter log)
    {
        IReadOnlyList<string> photos = PhotoBatches.Scan(data).Take(limit).ToList();
        var settings = new (string Name, HintSettings Settings)[]
        {
            ("default", new HintSettings()),
            ("lambda 0", new HintSettings(Lambda: 0f)),
            ("lambda 1e-4", new HintSettings(Lambda: 1e-4f)),
            ("lambda 0.01", new HintSettings(Lambda: 0.01f)),
            ("sigma floor 1e-3", new HintSettings(SigmaFloor: 1e-3f)),
            ("Levin sigma (0.6, 2e-6)", new HintSettings(SigmaScale: 0.6f, SigmaFloor: 2e-6f)),
        };
        if (Environment.GetEnvironmentVariable("PERF_VARIANTS") is { } only)
            settings = settings.Where(v => only.Split(',').Any(o => v.Name.StartsWith(o, StringComparison.Ordinal))).ToArray();
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var palette = (PaletteColorizer)colorizer;
        using var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
        // scores[setting][k] = per photo (PSNR, rebalanced AuC)
        var scores = settings.Select(_ => Counts.Select(_ => new List<(double Psnr, double Auc)>()).ToArray()).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double decodeSeconds = 0;
        int decodes = 0;
        foreach (string path in photos)
        {
            ImageData truth = ImageIO.Load(path);
            using Prediction prediction = colorizer.Predict(truth);
            var random = new Random(path.Length * 7919 + 17);
            var places = Enumerable.Range(0, Counts.Max()).Select(_ => (X: 1 + random.Next(truth.Width - 2), Y: 1 + random.Next(truth.Height - 2))).ToArray();
            for (int s = 0; s < settings.Length; s++)
            {
                palette.HintSettings = settings[s].Settings;
                for (int k = 0; k < Counts.Length; k++)
                {
                    ColorHint[] hints = places.Take(Counts[k]).Select(p => TrueHint(truth, p.X, p.Y)).ToArray();
                    var decodeClock = System.Diagnostics.Stopwatch.StartNew();
                    ImageData coloured = colorizer.Decode(prediction, null, hints);
                    if (Counts[k] > 0)
                    {
                        decodeSeconds += decodeClock.Elapsed.TotalSeconds;
                        decodes++;
                    }
                    ImageScore score = metrics.Score(Path.GetFileName(path), "model", coloured, truth);
                    scores[s][k].Add((score.Psnr, score.AucRebalanced));
                }
            }
        }
        palette.HintSettings = new HintSettings();
        int half = photos.Count / 2;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hints  {photos.Count} photos from {data} (first half to choose, second to report), built-in model, simulated 3x3 true-colour hints, {device.Description}; {decodes} hinted decodes, {decodeSeconds / Math.Max(1, decodes) * 1000:0} ms each, {clock.Elapsed.TotalSeconds:0} s in all"));
        log.WriteLine($"  {"setting",-26} {"half",-6} " + string.Join(" ", Counts.Select(k => $"{$"PSNR k={k}",10} {$"AuC k={k}",9}")) + $" {"worse at 10",12}");
        for (int s = 0; s < settings.Length; s++)
            foreach (var (name, from, to) in new[] { ("choose", 0, half), ("report", half, photos.Count) })
            {
                var row = Counts.Select((_, k) => scores[s][k].Skip(from).Take(to - from).ToList()).ToArray();
                int worse = row[^1].Zip(row[0], (hinted, auto) => hinted.Psnr < auto.Psnr ? 1 : 0).Sum();
                string cells = string.Join(" ", row.Select(r => FormattableString.Invariant($"{r.Where(v => double.IsFinite(v.Psnr)).Average(v => v.Psnr),10:F2} {r.Average(v => v.Auc),9:F3}")));
                log.WriteLine(FormattableString.Invariant($"  {settings[s].Name,-26} {name,-6} {cells} {worse,8} of {to - from}"));
            }
    }

    /// <summary>A hint at (x, y) of the 3 x 3 patch's mean true ab.</summary>
    private static ColorHint TrueHint(ImageData truth, int x, int y)
    {
        double a = 0, b = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                int i = 3 * ((y + dy) * truth.Width + x + dx);
                var (_, pa, pb) = LabReference.SrgbToLab(truth.Rgb8![i] / 255.0, truth.Rgb8[i + 1] / 255.0, truth.Rgb8[i + 2] / 255.0);
                a += pa / 9;
                b += pb / 9;
            }
        return new ColorHint(x, y, (float)a, (float)b, Size: 3);
    }
}
