using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Training;
using ColorKernels.Kernels.Color;

namespace ColorKernels.Perf.Quality;

/// <summary>
/// Colour hints on photos with known colours (#26's measurement): each photo is predicted once by the
/// model (the built-in; PERF_MODELS adds the SOM + MLP general model's path or 'none', hints spread from grey), then decoded with k simulated hints (k = 0, 1, 2, 5, 10, 20, 50; fixed seed): 3 x 3 patches at random
/// places whose hint is the patch's mean true ab. Scored against the photo (PSNR and rebalanced AuC, the
/// evaluation's metrics) for each propagation setting in the list. Settings are compared on the first half
/// of the photos and every setting is also reported on the second half, so a choice can be made on one half
/// and read on the other. Also: the photos a hinted decode made worse than the automatic one.
/// A hint network in PERF_MODELS (#31) is measured twice: its output alone ("network only") and with what
/// its output leaves off the hints propagated after it over a grid a quarter of its input ("network +
/// propagation", its default) or over the input's own grid ("1/1").
/// PERF_PER_PHOTO=1 also prints each photo's PSNR at every count. PERF_PALETTE=own decodes every photo with its own colours as a person's palette too (hints with a palette).
/// </summary>
internal static class HintQualityBench
{
    /// <summary>The hint counts (the issue's); PERF_COUNTS=0,2,10 narrows them.</summary>
    private static readonly int[] AllCounts = { 0, 1, 2, 5, 10, 20, 50 };

    /// <summary>The propagation settings measured: the default first, then one change each (PERF_VARIANTS picks by name).</summary>
    internal static (string Name, PropagationSettings Settings)[] Settings => new (string Name, PropagationSettings Settings)[]
    {
        ("default", new PropagationSettings()),
        ("bilinear upsampling", new PropagationSettings(EdgeAware: false)),
        ("range sigma 0.05", new PropagationSettings(SigmaRange: 0.05f)),
        ("range sigma 0.2", new PropagationSettings(SigmaRange: 0.2f)),
        ("iterations 100", new PropagationSettings(Iterations: 100)),
        ("iterations 60", new PropagationSettings(Iterations: 60)),
        ("space sigma 0.5, radius 1", new PropagationSettings(SigmaSpace: 0.5f, UpsampleRadius: 1)),
        ("space sigma 0.5, radius 2", new PropagationSettings(SigmaSpace: 0.5f)),
        ("space sigma 0.7, radius 1", new PropagationSettings(SigmaSpace: 0.7f, UpsampleRadius: 1)),
        ("lambda 0", new PropagationSettings(Lambda: 0f)),
        ("lambda 1e-4", new PropagationSettings(Lambda: 1e-4f)),
        ("lambda 0.01", new PropagationSettings(Lambda: 0.01f)),
        ("sigma floor 1e-3", new PropagationSettings(SigmaFloor: 1e-3f, SteeredSigmaFloor: 1e-3f)),
        ("sigma floor 1e-2", new PropagationSettings(SteeredSigmaFloor: 1e-2f)),
        ("hint palette ungated", new PropagationSettings(HintPaletteGated: false)),
        ("before the gate (ungated, sigma floor 1e-2)", new PropagationSettings(HintPaletteGated: false, SteeredSigmaFloor: 1e-2f)),
        ("Levin sigma (0.6, 2e-6)", new PropagationSettings(SigmaScale: 0.6f, SigmaFloor: 2e-6f, SteeredSigmaFloor: 2e-6f)),
        ("no hint palette", new PropagationSettings(HintPaletteStrength: 0f)),
        ("hint palette 0.5", new PropagationSettings(HintPaletteStrength: 0.5f)),
        ("hint palette 2", new PropagationSettings(HintPaletteStrength: 2f)),
        ("hint palette 4", new PropagationSettings(HintPaletteStrength: 4f)),
        ("hint palette 2, eps 1e-1", new PropagationSettings(HintPaletteStrength: 2f, HintPaletteFloor: 1e-1f)),
        ("hint palette eps 1e-3", new PropagationSettings(HintPaletteFloor: 1e-3f)),
        ("hint palette eps 1e-1", new PropagationSettings(HintPaletteFloor: 1e-1f)),
        ("hint palette sigma 10", new PropagationSettings(HintPaletteSpread: 10f)),
        ("no alike cells", new PropagationSettings(NonLocalStrength: 0f)),
        ("alike cells strength 2", new PropagationSettings(NonLocalStrength: 2f)),
        ("alike cells strength 10", new PropagationSettings(NonLocalStrength: 10f)),
        ("alike cells sigma L 4", new PropagationSettings(NonLocalSigmaY: 0.04f)),
        ("alike cells sigma L 10", new PropagationSettings(NonLocalSigmaY: 0.1f)),
        ("alike cells sigma ab 4", new PropagationSettings(NonLocalSigmaAb: 4f)),
        ("alike cells sigma ab 12", new PropagationSettings(NonLocalSigmaAb: 12f)),
        ("alike cells full at 3", new PropagationSettings(NonLocalFullHints: 3)),
        ("alike cells full at 10", new PropagationSettings(NonLocalFullHints: 10)),
    };

    public static void Run(ComputeDevice device, string data, int limit, TextWriter log)
    {
        IReadOnlyList<string> photos = PhotoBatches.Scan(data).Take(limit).ToList();
        int[] counts = Environment.GetEnvironmentVariable("PERF_COUNTS") is { } given
            ? given.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() : AllCounts;
        var settings = Harness.Chosen(Settings, v => v.Name).ToArray();
        // Models: the built-in (every setting), and with the default setting the SOM + MLP general model and no model (hints spread from grey).
        string[] models = (Environment.GetEnvironmentVariable("PERF_MODELS") ?? "default").Split(',');
        // PERF_PALETTE=own: every decode also takes a person's palette, the photo's own colours (ColorPalette.FromImage of the
        // truth: the most a --palette-from of a like photo could give), so hints are measured on top of a palette.
        bool ownPalette = Environment.GetEnvironmentVariable("PERF_PALETTE") == "own";
        var rows = new List<(string Model, string Setting, PropagationSettings Settings)>();
        foreach (string model in models)
        {
            bool hintNetwork = IsHintNetwork(model);
            foreach (var setting in model == "default" ? settings : settings.Take(1))
                rows.Add((model, hintNetwork && setting.Name == "default" ? "network + propagation" : setting.Name, setting.Settings));
            if (hintNetwork)
            {
                rows.Add((model, "network + propagation 1/1", new PropagationSettings(PropagationDivisor: 1)));
                rows.Add((model, "network only", new PropagationSettings(PropagateAfterNetwork: false)));
            }
        }
        // scores[row][k] = per photo (PSNR, rebalanced AuC, the share of its hinted patches whose mean ab is within 5 of the hint)
        var scores = rows.Select(_ => counts.Select(_ => new List<(double Psnr, double Auc, double Patch)>()).ToArray()).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double decodeSeconds = 0;
        int decodes = 0;
        using var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
        foreach (string model in models)
        {
            using IColorizer colorizer = Colorizer.Open(device, model == "default" || model == "none" ? model : Path.GetFullPath(model));
            var palette = (CodebookColorizer)colorizer;
            foreach (string path in photos)
            {
                ImageData truth = ImageIO.Load(path);
                using Prediction prediction = colorizer.Predict(truth);
                ColorPalette? colorPalette = ownPalette ? ColorPalette.FromImage(device, truth) : null;
                var random = new Random(path.Length * 7919 + 17);
                var places = Enumerable.Range(0, counts.Max()).Select(_ => (X: 1 + random.Next(truth.Width - 2), Y: 1 + random.Next(truth.Height - 2))).ToArray();
                for (int r = 0; r < rows.Count; r++)
                {
                    if (rows[r].Model != model)
                        continue;
                    palette.PropagationSettings = rows[r].Settings;
                    for (int k = 0; k < counts.Length; k++)
                    {
                        ColorHint[] hints = places.Take(counts[k]).Select(p => TrueHint(truth, p.X, p.Y)).ToArray();
                        var decodeClock = System.Diagnostics.Stopwatch.StartNew();
                        ImageData coloured = colorizer.Decode(prediction, null, hints, colorPalette);
                        if (counts[k] > 0)
                        {
                            decodeSeconds += decodeClock.Elapsed.TotalSeconds;
                            decodes++;
                        }
                        ImageScore score = metrics.Score(Path.GetFileName(path), "model", coloured, truth);
                        double patch = hints.Length == 0 ? double.NaN : hints.Count(h => PatchError(coloured, h) <= 5) / (double)hints.Length;
                        scores[r][k].Add((score.Psnr, score.AucRebalanced, patch));
                    }
                }
            }
            palette.PropagationSettings = new PropagationSettings();
        }
        int half = photos.Count / 2;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hints  {photos.Count} photos from {data}{(ownPalette ? ", each with its own colours as the palette" : "")} (first half to choose, second to report), simulated 3x3 true-colour hints, {device.Description}; {decodes} hinted decodes, {decodeSeconds / Math.Max(1, decodes) * 1000:0} ms each, {clock.Elapsed.TotalSeconds:0} s in all"));
        log.WriteLine($"  {"model",-26} {"setting",-24} {"half",-6} " + string.Join(" ", counts.Select(k => $"{$"PSNR k={k}",10} {$"AuC k={k}",9}")) + $" {"worse at 10",12} {"patches within 5",16}");
        int ten = Array.IndexOf(counts, 10) is >= 0 and var i ? i : counts.Length - 1;
        for (int r = 0; r < rows.Count; r++)
            foreach (var (name, from, to) in new[] { ("choose", 0, half), ("report", half, photos.Count) })
            {
                var row = counts.Select((_, k) => scores[r][k].Skip(from).Take(to - from).ToList()).ToArray();
                int worse = row[ten].Zip(row[0], (hinted, auto) => hinted.Psnr < auto.Psnr ? 1 : 0).Sum();
                double patch = row.SelectMany(c => c).Where(v => double.IsFinite(v.Patch)).Average(v => v.Patch);
                string cells = string.Join(" ", row.Select(c => FormattableString.Invariant($"{c.Where(v => double.IsFinite(v.Psnr)).Average(v => v.Psnr),10:F2} {c.Average(v => v.Auc),9:F3}")));
                log.WriteLine(FormattableString.Invariant($"  {Path.GetFileName(rows[r].Model),-26} {rows[r].Setting,-24} {name,-6} {cells} {worse,8} of {to - from} {patch,15:P1}"));
            }
        // PERF_PER_PHOTO=1: each photo's PSNR at every count, for each row (where a mean's gain comes from).
        if (Environment.GetEnvironmentVariable("PERF_PER_PHOTO") == "1")
            for (int r = 0; r < rows.Count; r++)
                for (int p = 0; p < photos.Count; p++)
                    log.WriteLine(FormattableString.Invariant(
                        $"  per photo  {rows[r].Setting,-24} {(p < half ? "choose" : "report"),-6} {Path.GetFileName(photos[p]),-48} PSNR {string.Join(" ", counts.Select((_, k) => $"{scores[r][k][p].Psnr,6:F2}"))}"));
    }

    private static bool IsHintNetwork(string model) =>
        model is not ("default" or "none") && ModelFile.Read(model).Architecture == Siggraph17Architecture.ArchitectureName;

    /// <summary>The ab distance between the hint and the coloured picture's mean ab over the hint's 3 x 3 square (the hint is the true patch's mean).</summary>
    private static double PatchError(ImageData coloured, ColorHint hint)
    {
        double a = 0, b = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                int i = 3 * ((hint.Y + dy) * coloured.Width + hint.X + dx);
                var (_, pa, pb) = LabReference.SrgbToLab(coloured.Rgb8![i] / 255.0, coloured.Rgb8[i + 1] / 255.0, coloured.Rgb8[i + 2] / 255.0);
                a += pa / 9;
                b += pb / 9;
            }
        return Math.Sqrt((a - hint.A) * (a - hint.A) + (b - hint.B) * (b - hint.B));
    }

    /// <summary>A hint at (x, y) of the 3 x 3 patch's mean true ab.</summary>
    internal static ColorHint TrueHint(ImageData truth, int x, int y)
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
