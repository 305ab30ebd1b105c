using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Training;
using ColorKernels.Kernels.Color;

namespace ColorKernels.Perf.Quality;

/// <summary>
/// Hints on one object: what a person who hints one thing sees (docs/hints.md, "Hints on one object"). The hints bench
/// (<see cref="HintQualityBench"/>) scatters true-colour hints over the whole picture, so a hint that spreads far is
/// rewarded wherever the model's colours were further off than the hint's, and a colour spilling past its object does
/// not show. Here each photo gets one object: the 4-connected pixels whose true ab lies within
/// <see cref="ObjectTolerance"/> of a coloured seed's (its 3 x 3 mean chroma at least <see cref="MinChroma"/>; the
/// object between 1 % and 30 % of the picture; the first of up to 200 random seeds that gives one), and k hints
/// (k = 1, 2, 5) at random places inside it, each a 3 x 3 patch wholly in it with its true mean ab. Scored against the
/// automatic decode of the same prediction, in mean ab units:
/// - object: the error over the object's pixels, automatic -> hinted (what the person asked for);
/// - elsewhere: the error over the pixels outside it whose true ab is more than <see cref="UnlikeDistance"/> from the
///   hints' mean colour (where that colour is wrong), automatic -> hinted: a leak raises it;
/// - leaked: the share of those pixels that the hinted decode moved more than 5 ab units toward the hints' mean colour;
/// - picture: the error over every pixel, automatic -> hinted (whether the picture as a whole came out better).
/// Choose and report halves as in the hints bench; the settings are its list (PERF_VARIANTS picks).
/// </summary>
internal static class HintObjectBench
{
    private const double ObjectTolerance = 10, MinChroma = 10, UnlikeDistance = 20, LeakMove = 5;
    private static readonly int[] AllCounts = { 1, 2, 5 };

    public static void Run(ComputeDevice device, string data, int limit, TextWriter log)
    {
        IReadOnlyList<string> photos = PhotoBatches.Scan(data).Take(limit).ToList();
        int[] counts = Environment.GetEnvironmentVariable("PERF_COUNTS") is { } given
            ? given.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).Where(c => c > 0).ToArray() : AllCounts;
        var settings = Harness.Chosen(HintQualityBench.Settings, v => v.Name).ToArray();
        string model = Environment.GetEnvironmentVariable("PERF_MODELS") ?? "default";
        // scores[setting][k] = per photo with an object (object error auto, hinted; elsewhere error auto, hinted; leaked share)
        var scores = settings.Select(_ => counts.Select(_ => new List<(double ObjectAuto, double ObjectHinted, double OutAuto, double OutHinted, double Leaked, double AllAuto, double AllHinted)>()).ToArray()).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int skipped = 0;
        double objectShare = 0;
        var kept = new List<bool>();
        using IColorizer colorizer = Colorizer.Open(device, model is "default" or "none" ? model : Path.GetFullPath(model));
        var codebook = (CodebookColorizer)colorizer;
        foreach (string path in photos)
        {
            ImageData truth = ImageIO.Load(path);
            var (trueA, trueB) = Ab(truth);
            var random = new Random(path.Length * 7919 + 17);
            bool[]? region = FindObject(truth.Width, truth.Height, trueA, trueB, random, out var places);
            kept.Add(region is not null);
            if (region is null)
            {
                skipped++;
                continue;
            }
            objectShare += region.Count(r => r) / (double)region.Length;
            using Prediction prediction = colorizer.Predict(truth);
            codebook.PropagationSettings = new PropagationSettings();
            var (autoA, autoB) = Ab(colorizer.Decode(prediction, null, Array.Empty<ColorHint>()));
            for (int s = 0; s < settings.Length; s++)
            {
                codebook.PropagationSettings = settings[s].Settings;
                for (int k = 0; k < counts.Length; k++)
                {
                    ColorHint[] hints = places.Take(counts[k]).Select(p => HintQualityBench.TrueHint(truth, p.X, p.Y)).ToArray();
                    var (outA, outB) = Ab(colorizer.Decode(prediction, null, hints));
                    double ha = hints.Average(h => (double)h.A), hb = hints.Average(h => (double)h.B);
                    double objectAuto = 0, objectHinted = 0, outAuto = 0, outHinted = 0, allAuto = 0, allHinted = 0;
                    int objectCount = 0, outCount = 0, leaked = 0;
                    for (int i = 0; i < region.Length; i++)
                    {
                        double autoError = Distance(autoA[i], autoB[i], trueA[i], trueB[i]), hintedError = Distance(outA[i], outB[i], trueA[i], trueB[i]);
                        (allAuto, allHinted) = (allAuto + autoError, allHinted + hintedError);
                        if (region[i])
                        {
                            (objectAuto, objectHinted, objectCount) = (objectAuto + autoError, objectHinted + hintedError, objectCount + 1);
                        }
                        else if (Distance(trueA[i], trueB[i], ha, hb) > UnlikeDistance)
                        {
                            (outAuto, outHinted, outCount) = (outAuto + autoError, outHinted + hintedError, outCount + 1);
                            if (Distance(autoA[i], autoB[i], ha, hb) - Distance(outA[i], outB[i], ha, hb) > LeakMove)
                                leaked++;
                        }
                    }
                    // A photo whose every pixel outside the object is near its colour has no "elsewhere": NaN, left out of those means.
                    scores[s][k].Add((objectAuto / objectCount, objectHinted / objectCount,
                        outCount == 0 ? double.NaN : outAuto / outCount, outCount == 0 ? double.NaN : outHinted / outCount,
                        outCount == 0 ? double.NaN : leaked / (double)outCount, allAuto / region.Length, allHinted / region.Length));
                }
            }
        }
        codebook.PropagationSettings = new PropagationSettings();
        int measured = photos.Count - skipped;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hints-object  {photos.Count} photos from {data}, {measured} with an object (mean {objectShare / Math.Max(1, measured):P0} of the picture), model {model}, {device.Description}, {clock.Elapsed.TotalSeconds:0} s"));
        log.WriteLine("  mean ab error over the object and elsewhere (outside it, true ab more than 20 from the hints' mean), automatic -> hinted; leaked = share of elsewhere moved more than 5 toward the hints' colour; picture = every pixel");
        log.WriteLine($"  {"setting",-30} {"half",-6} " + string.Join(" ", counts.Select(k => $"{$"k={k}: object",17} {"elsewhere",15} {"leaked",7} {"picture",15}")));
        // Halves by photo, as the hints bench: the first half of the photos listed (with or without an object) to choose.
        int half = photos.Count / 2, firstHalf = kept.Take(half).Count(x => x);
        for (int s = 0; s < settings.Length; s++)
            foreach (var (name, from, to) in new[] { ("choose", 0, firstHalf), ("report", firstHalf, measured) })
            {
                string cells = string.Join(" ", counts.Select((_, k) =>
                {
                    var row = scores[s][k].Skip(from).Take(to - from).ToList();
                    var outside = row.Where(v => double.IsFinite(v.OutAuto)).ToList();
                    return FormattableString.Invariant($"{row.Average(v => v.ObjectAuto),8:F2} -> {row.Average(v => v.ObjectHinted),5:F2} {outside.Average(v => v.OutAuto),6:F2} -> {outside.Average(v => v.OutHinted),5:F2} {outside.Average(v => v.Leaked),7:P1} {row.Average(v => v.AllAuto),6:F2} -> {row.Average(v => v.AllHinted),5:F2}");
                }));
                log.WriteLine(FormattableString.Invariant($"  {settings[s].Name,-30} {name,-6} {cells}"));
            }
    }

    /// <summary>
    /// The object: from up to 200 random seeds (3 x 3 mean chroma at least <see cref="MinChroma"/>), the first whose
    /// 4-connected pixels within <see cref="ObjectTolerance"/> of its ab cover 1-30 % of the picture and hold at least
    /// five 3 x 3 patches wholly inside; <paramref name="places"/> then 5 of those patches' centres in random order.
    /// </summary>
    private static bool[]? FindObject(int width, int height, double[] a, double[] b, Random random, out (int X, int Y)[] places)
    {
        int n = width * height;
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int sx = 1 + random.Next(width - 2), sy = 1 + random.Next(height - 2);
            double sa = 0, sb = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    (sa, sb) = (sa + a[(sy + dy) * width + sx + dx] / 9, sb + b[(sy + dy) * width + sx + dx] / 9);
            if (Math.Sqrt(sa * sa + sb * sb) < MinChroma)
                continue;
            var region = new bool[n];
            var queue = new Queue<int>();
            int start = sy * width + sx, size = 0;
            if (Distance(a[start], b[start], sa, sb) > ObjectTolerance)
                continue;
            region[start] = true;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                int i = queue.Dequeue(), x = i % width, y = i / width;
                size++;
                foreach (int j in new[] { x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, y > 0 ? i - width : -1, y < height - 1 ? i + width : -1 })
                    if (j >= 0 && !region[j] && Distance(a[j], b[j], sa, sb) <= ObjectTolerance)
                    {
                        region[j] = true;
                        queue.Enqueue(j);
                    }
            }
            if (size < n / 100 || size > 3 * n / 10)
                continue;
            var inside = new List<(int X, int Y)>();
            for (int y = 1; y < height - 1; y++)
                for (int x = 1; x < width - 1; x++)
                {
                    bool whole = true;
                    for (int dy = -1; dy <= 1 && whole; dy++)
                        for (int dx = -1; dx <= 1 && whole; dx++)
                            whole = region[(y + dy) * width + x + dx];
                    if (whole)
                        inside.Add((x, y));
                }
            if (inside.Count < 5)
                continue;
            places = inside.OrderBy(_ => random.Next()).Take(5).ToArray();
            return region;
        }
        places = Array.Empty<(int, int)>();
        return null;
    }

    /// <summary>The picture's a and b planes (LabReference's sRGB to CIELAB, in double).</summary>
    private static (double[] A, double[] B) Ab(ImageData image)
    {
        int n = image.Width * image.Height;
        double[] lab = LabReference.SrgbBytesToLab(image.Rgb8!, 1, n);
        return (lab[n..(2 * n)], lab[(2 * n)..]);
    }

    private static double Distance(double a0, double b0, double a1, double b1) => Math.Sqrt((a0 - a1) * (a0 - a1) + (b0 - b1) * (b0 - b1));
}
