using System.Diagnostics;
using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Training;
using ColorKernels.Engine.Video;
using ColorKernels.Kernels.Color;
using ColorKernels.Tests.Support;

namespace ColorKernels.Perf.Quality;

/// <summary>
/// Films steered by a person (issue #40), measured on clips whose motion is known (tests/Support/MotionClips, 48
/// frames of 256 x 192 from CC0 photos the hint carrier was not tuned on: a pan over books, a zoom on the parrot,
/// the sunflower moving over the car), against their colour frames, all stabilised, built-in model:
/// <list type="bullet">
/// <item>automatic;</item>
/// <item>10 true-colour hints (3 x 3 patch means at random places) on frame 0 only, carried along the flow;</item>
/// <item>the same points given on every frame at their true places, with their true colours there (the upper bound);</item>
/// <item>the field's exemplar protocol: the true colour frame 0 as the reference photo, as a palette (--palette-from)
/// and as SOM + MLP reference mode (--reference); and the same frame as a colour frame (its colours taken on frame 0
/// and carried along the motion, a SOM + MLP model fitted to it colouring what enters).</item>
/// </list>
/// Per frame: PSNR (RGB, the film's own L), chroma PSNR (Cb and Cr of 8-bit BT.601 YCbCr), rebalanced AuC,
/// colourfulness over the truth's; for the film: warping error short-term (t against t-1 along the true motion) and
/// long-term (t against frame 0 along the chained true motion), and the colour distribution consistency of Liu et
/// al. 2024 (the Jensen-Shannon divergence, base 2, of 256-bin per-channel RGB histograms between frames t and
/// t+k, k = 1, 2, 4, averaged). Then the time per frame of a hinted film against an automatic one at 1280 x 720.
/// Also, per clip, what an exact colouring measures (the colour frames' own warping errors, and frame 0's true colours
/// carried along the true motion), and per hinted mode how many hints each frame still carries; PERF_DIAG adds the
/// drift of the still pixels' colours from frame 0's; PERF_VARIANTS narrows the modes (and "last frame as colour frame");
/// PERF_OLD_FILM makes the clips old film.
/// </summary>
internal static class FilmSteeringBench
{
    private const int Frames = 48, Hints = 10;

    /// <summary>The bench's three clips: a pan over the books, a zoom on the parrot, the sunflower moving over the car; as old film with <paramref name="old"/>.</summary>
    private static (string Name, Func<MotionClip> Make)[] BenchClips(OldFilm? old = null) =>
    [
        ("pan", () => MotionClips.Pan("books", -2, 1, Frames, old: old)),
        ("zoom", () => MotionClips.Zoom("parrot", rate: 0.99, frames: Frames, old: old)),
        ("object", () => MotionClips.MovingObject("car", "sunflower", vx: 3, vy: 1, frames: Frames, old: old)),
    ];

    public static void Run(ComputeDevice device, TextWriter log, bool speedOnly = false)
    {
        if (speedOnly)
        {
            using IColorizer colorizer = Colorizer.Open(device, "default");
            Speed(device, colorizer, log);
            return;
        }
        // PERF_OLD_FILM: the same clips as old film (issue #41's flicker, grain, gate weave and dust on the grey frames;
        // the truth, the hints' colours and places stay the clean clip's).
        var clips = BenchClips(Environment.GetEnvironmentVariable("PERF_OLD_FILM") is not null ? OldFilm.All : null);
        using var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
        using IColorizer automatic = Colorizer.Open(device, "default");
        log.WriteLine($"film-steering  {Frames} frames of 256x192 per clip, built-in model, stabilised, {device.Description}");
        foreach (var (name, make) in clips)
        {
            MotionClip clip = make();
            int w = clip.Width, h = clip.Height;
            ImageData first = ImageData.FromRgb8(w, h, clip.Colour[0]);
            var random = new Random(name.Length * 7919 + 17);
            var places = Enumerable.Range(0, Hints).Select(_ => (X: 4 + random.Next(w - 8), Y: 4 + random.Next(h - 8))).ToArray();
            ColorHint[] keyed = places.Select(p => TrueHint(clip.Colour[0], w, p.X, p.Y)).ToArray();
            // Upper bound: each point followed by the true motion, given where it is and as it is coloured there.
            var everyFrame = new List<FilmKeyframe> { new() { Frame = 0, Hints = keyed } };
            var track = places.Select(p => ((double X, double Y)?)(p.X, p.Y)).ToArray();
            for (int t = 1; t < Frames; t++)
            {
                for (int i = 0; i < track.Length; i++)
                    track[i] = track[i] is { } at ? Forward(clip, t, at.X, at.Y) : null;
                var hints = track.Where(p => p is { } q && q.X >= 1 && q.Y >= 1 && q.X <= w - 2 && q.Y <= h - 2)
                    .Select(p => TrueHint(clip.Colour[t], w, (int)Math.Round(p!.Value.X), (int)Math.Round(p.Value.Y))).ToArray();
                if (hints.Length > 0)
                    everyFrame.Add(new FilmKeyframe { Frame = t, Hints = hints });
            }
            string folder = Directory.CreateTempSubdirectory("ck-filmsteer").FullName;
            try
            {
                string firstPath = Path.Combine(folder, "frame0.png");
                ImageIO.Save(firstPath, first);
                // As colorize --reference fits for a film: a film's steps and width.
                var (som, _) = ReferenceColorizer.Fit(device, new[] { firstPath }, null, ReferenceColorizer.FilmSteps, null, _ => { }, ReferenceColorizer.FilmHidden);
                using IColorizer reference = Colorizer.Open(device, som);
                using IColorizer palette = Colorizer.Open(device, "default", new ColorizerOptions { ColorPalette = ColorPalette.FromImage(device, first) });
                var modes = new (string Mode, IColorizer Colorizer, IReadOnlyList<FilmKeyframe>? Keyframes)[]
                {
                    ("automatic", automatic, null),
                    ("10 hints on frame 0, carried", automatic, new[] { new FilmKeyframe { Frame = 0, Hints = keyed } }),
                    ("  the same, solved from zero", automatic, new[] { new FilmKeyframe { Frame = 0, Hints = keyed } }),
                    ("the hints on every frame", automatic, everyFrame),
                    ("frame 0 as palette", palette, null),
                    ("frame 0 as SOM+MLP reference", reference, null),
                    ("frame 0 as colour frame", automatic, new[] { new FilmKeyframe { Frame = 0, ColorFrame = first } }),
                    ("  the same, nearer place wins", automatic, new[] { new FilmKeyframe { Frame = 0, ColorFrame = first } }),
                };
                log.WriteLine($"  {clip.Name}: 10 hints at {string.Join(" ", places.Select(p => $"({p.X},{p.Y})"))}");
                // What an exact colouring measures: the colour frames themselves, and frame 0's true colours carried along the true motion.
                var (truthShort, truthLong) = MotionClipMetrics.WarpingErrors(clip, clip.Colour);
                var (carriedShort, carriedLong) = MotionClipMetrics.WarpingErrors(clip, MotionClipMetrics.CarriedAlongTruth(clip, clip.Colour[0]));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    the truth's own warping error: short {truthShort:F3} long {truthLong:F3}; frame 0's true colours carried along the true motion: short {carriedShort:F3} long {carriedLong:F3}"));
                log.WriteLine($"    {"mode",-30} {"PSNR last",9} {"PSNR mean",9} {"chroma last",11} {"chroma mean",11} {"rebal AuC",9} {"colourf.",8} {"warp short",10} {"warp long",9} {"CDC",7}");
                var perFrame = new List<(string Mode, double[] Psnr)>();
                foreach (var (mode, colorizer, keyframes) in Harness.Chosen(modes, m => m.Mode))
                {
                    var frames = new List<byte[]>();
                    // The colour frame's shot blended as a model's colours are (the still place wins its near-ties): the comparison row.
                    var options = new VideoOptions { ColorFrameStillMargin = mode.Contains("nearer place", StringComparison.Ordinal) ? 0f : new VideoOptions().ColorFrameStillMargin };
                    FrameJob job = FrameJob.Frames(clip.Name, clip.GreyFrames(), f => frames.Add(f.Rgb8!), options);
                    if (keyframes is not null)
                        job = job.WithKeyframes(keyframes);
                    // Every frame's hints solved from zero, as a picture's are (before warm starts): the comparison row.
                    new FramePipeline(colorizer) { WarmStart = !mode.Contains("from zero", StringComparison.Ordinal) }.Run(job);
                    // How many of the keyframe's hints each frame still carries (a point is dropped where the flow loses it).
                    if (keyframes is { Count: 1 } && keyframes[0].Hints.Count > 0)
                        using (var steering = job.Steer(device, default)!)
                            log.WriteLine($"    {mode}: hints carried to each frame: {string.Join(" ", Enumerable.Range(0, Frames).Select(t => steering.HintsAt(t)?.Count ?? 0))}");
                    var scores = frames.Select((f, t) => metrics.Score($"{t}", mode, ImageData.FromRgb8(w, h, f), ImageData.FromRgb8(w, h, clip.Colour[t]))).ToList();
                    double[] chroma = frames.Select((f, t) => ChromaPsnr(f, clip.Colour[t])).ToArray();
                    double colourfulness = scores.Average(s => s.Colourfulness / s.ColourfulnessOriginal);
                    var (shortTerm, longTerm) = MotionClipMetrics.WarpingErrors(clip, frames);
                    perFrame.Add((mode, scores.Select(s => s.Psnr).ToArray()));
                    if (Environment.GetEnvironmentVariable("PERF_DIAG") is not null)
                        StillDrift(clip, frames, mode, log);
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"    {mode,-30} {scores[^1].Psnr,9:F2} {scores.Average(s => s.Psnr),9:F2} {chroma[^1],11:F2} {chroma.Average(),11:F2} {scores.Average(s => s.AucRebalanced),9:F2} {colourfulness,8:F3} {shortTerm,10:F3} {longTerm,9:F3} {Cdc(frames),7:F4}"));
                }
                if (Harness.Chosen(new[] { "last frame as colour frame" }, n => n).Count > 0)
                {
                    // The true last frame as a colour frame: the frames before it take the model fitted to it (its
                    // colours go forward only), where before they were the automatic film's.
                    var frames = new List<byte[]>();
                    ImageData last = ImageData.FromRgb8(w, h, clip.Colour[^1]);
                    new FramePipeline(automatic).Run(FrameJob.Frames(clip.Name, clip.GreyFrames(), f => frames.Add(f.Rgb8!))
                        .WithKeyframes(new[] { new FilmKeyframe { Frame = Frames - 1, ColorFrame = last } }));
                    var before = frames.Take(Frames - 1).Select((f, t) => metrics.Score($"{t}", "last", ImageData.FromRgb8(w, h, f), ImageData.FromRgb8(w, h, clip.Colour[t]))).ToList();
                    var (shortTerm, longTerm) = MotionClipMetrics.WarpingErrors(clip, frames.Take(Frames - 1).ToList());
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"    frame {Frames - 1} as colour frame, frames 0-{Frames - 2}: PSNR mean {before.Average(s => s.Psnr):F2} (automatic {perFrame[0].Psnr.Take(Frames - 1).Average():F2}), rebal AuC {before.Average(s => s.AucRebalanced):F2}, colourfulness {before.Average(s => s.Colourfulness / s.ColourfulnessOriginal):F3}, warp short {shortTerm:F3} long {longTerm:F3}; frame {Frames - 2} then {Frames - 1}: PSNR {before[^1].Psnr:F2} -> {metrics.Score("l", "last", ImageData.FromRgb8(w, h, frames[^1]), last).Psnr:F2}"));
                }
                // (PERF_VARIANTS may have left modes out: the gain's share needs the first four.)
                if (perFrame.Take(4).Select(p => p.Mode).SequenceEqual(modes.Take(4).Select(m => m.Mode)))
                {
                    double auto = perFrame[0].Psnr[^1], carried = perFrame[1].Psnr[^1], bound = perFrame[3].Psnr[^1];
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"    last frame: carried hints keep {(carried - auto) / (bound - auto):P0} of the upper bound's gain over automatic ({carried - auto:+0.00;-0.00} dB of {bound - auto:+0.00;-0.00})"));
                }
                foreach (var (mode, psnr) in perFrame)
                    log.WriteLine($"    per-frame PSNR, {mode}: {string.Join(" ", psnr.Select(p => p.ToString("F1", CultureInfo.InvariantCulture)))}");
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        Speed(device, automatic, log);
    }

    /// <summary>
    /// A reference photo lined up with the frame it shows (<see cref="VideoOptions.ReferencePictures"/>): on the three
    /// clips above and three the choice of <see cref="MotionStabilizer.MaxAlignDifference"/> did not see (a pan over
    /// the parrot, a zoom on the books, the parrot moving over the books), 48 frames, the built-in model, stabilised:
    /// automatic; the true frame 0 as the SOM + MLP reference (a film's fit), as before; the same lined up with frame 0;
    /// the true frame 8 as the reference, lined up with frame 0 (a still of the shot a few frames on); and the
    /// <see cref="OpticalFlow.RelativeDifference"/> of frames 1-47 and of the other photos against frame 0.
    /// </summary>
    public static void RunAligned(ComputeDevice device, TextWriter log)
    {
        var clips = BenchClips().Concat(new (string Name, Func<MotionClip> Make)[]
        {
            ("held-out pan", () => MotionClips.Pan("parrot", 5, -2, Frames)),
            ("held-out zoom", () => MotionClips.Zoom("books", rate: 0.99, frames: Frames)),
            ("held-out object", () => MotionClips.MovingObject("books", "parrot", vx: -3, vy: 2, frames: Frames)),
        });
        string[] photos = { "books", "parrot", "car", "sunflower" };
        using var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
        using IColorizer automatic = Colorizer.Open(device, "default");
        log.WriteLine($"film-aligned  {Frames} frames of 256x192 per clip, built-in model, stabilised, {device.Description}");
        log.WriteLine($"    {"clip",-16} {"mode",-34} {"PSNR last",9} {"PSNR mean",9} {"rebal AuC",9} {"colourf.",8} {"warp short",10} {"warp long",9} {"aligned",7}");
        foreach (var (name, make) in clips)
        {
            MotionClip clip = make();
            int w = clip.Width, h = clip.Height;
            ImageData Frame(int t) => ImageData.FromRgb8(w, h, clip.Colour[t]);
            using (var flow = new OpticalFlow(device, w, h))
            using (Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, h, w)))
            {
                double Relative(ImageData picture)
                {
                    flow.Restart();
                    LabOps.ImageToLab(device, picture, lab);
                    flow.Next(lab);
                    LabOps.ImageToLab(device, ImageData.FromRgb8(w, h, clip.Grey[0]), lab);
                    flow.Next(lab);
                    return flow.RelativeDifference();
                }
                string frames = string.Join(" ", new[] { 0, 1, 2, 4, 8, 16, 32, 47 }.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t}:{Relative(Frame(t)):F3}")));
                string others = string.Join(" ", photos.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p}:{Relative(ImageIO.Resized(MotionClips.Photo(p), w, h)):F3}")));
                log.WriteLine($"    {clip.Name}: relative difference to frame 0 of frame {frames}; of photo {others}");
            }
            string folder = Directory.CreateTempSubdirectory("ck-filmalign").FullName;
            try
            {
                IColorizer Fit(int t)
                {
                    string path = Path.Combine(folder, $"frame{t}.png");
                    ImageIO.Save(path, Frame(t));
                    var (som, _) = ReferenceColorizer.Fit(device, new[] { path }, null, ReferenceColorizer.FilmSteps, null, _ => { }, ReferenceColorizer.FilmHidden);
                    return Colorizer.Open(device, som);
                }
                using IColorizer first = Fit(0), eighth = Fit(8);
                var modes = new (string Mode, IColorizer Colorizer, ImageData? Picture)[]
                {
                    ("automatic", automatic, null),
                    ("frame 0 as SOM+MLP reference", first, null),
                    ("  the same, lined up", first, Frame(0)),
                    ("frame 8 as reference, lined up", eighth, Frame(8)),
                };
                foreach (var (mode, colorizer, picture) in modes)
                {
                    var frames = new List<byte[]>();
                    var options = new VideoOptions { ReferencePictures = picture is null ? null : new[] { picture } };
                    FrameJobReport report = new FramePipeline(colorizer).Run(FrameJob.Frames(clip.Name, clip.GreyFrames(), f => frames.Add(f.Rgb8!), options));
                    var scores = frames.Select((f, t) => metrics.Score($"{t}", mode, ImageData.FromRgb8(w, h, f), Frame(t))).ToList();
                    var (shortTerm, longTerm) = MotionClipMetrics.WarpingErrors(clip, frames);
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"    {name,-16} {mode,-34} {scores[^1].Psnr,9:F2} {scores.Average(s => s.Psnr),9:F2} {scores.Average(s => s.AucRebalanced),9:F2} {scores.Average(s => s.Colourfulness / s.ColourfulnessOriginal),8:F3} {shortTerm,10:F3} {longTerm,9:F3} {report.AlignedFrames,7}"));
                }
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Seconds per frame of a 1280 x 720 pan coloured automatically and with 10 hints keyed on its first frame (stabilised both).</summary>
    private static void Speed(ComputeDevice device, IColorizer colorizer, TextWriter log)
    {
        const int w = 1280, h = 720, count = 16;
        ImageData photo = MotionClips.Photo("books");
        // A 1280 x 720 pan: the 512 x 512 photo scaled by 3 (nearest is enough for timing), 4 pixels a frame.
        var frames = Enumerable.Range(0, count).Select(t =>
        {
            var rgb = new byte[3 * w * h];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int sx = Math.Min(photo.Width - 1, (x + 4 * t) / 3), sy = Math.Min(photo.Height - 1, y / 3), s = 3 * (sy * photo.Width + sx), d = 3 * (y * w + x);
                    byte grey = (byte)((photo.Rgb8![s] * 77 + photo.Rgb8[s + 1] * 150 + photo.Rgb8[s + 2] * 29) >> 8);
                    rgb[d] = rgb[d + 1] = rgb[d + 2] = grey;
                }
            return ImageData.FromRgb8(w, h, rgb);
        }).ToList();
        var hints = Enumerable.Range(0, Hints).Select(i => new ColorHint(100 + 100 * i, 200 + 30 * i, 30, 20, 3)).ToArray();
        double Time(IReadOnlyList<FilmKeyframe>? keyframes, bool warmStart = true)
        {
            FrameJob job = FrameJob.Frames("720p", frames, _ => { });
            if (keyframes is not null)
                job = job.WithKeyframes(keyframes);
            var clock = Stopwatch.StartNew();
            new FramePipeline(colorizer) { WarmStart = warmStart }.Run(job);
            return clock.Elapsed.TotalSeconds / count;
        }
        var keyframes = new[] { new FilmKeyframe { Frame = 0, Hints = hints } };
        // Warm-up: every kernel either film launches compiled and loaded first (the carrier's flow, the hint solve and
        // its pull are compiled on their first launch; before 2026-12-07 only the automatic film warmed up, and that
        // compile time fell in the hinted film's, which measured slower than the same film solved from zero).
        Time(null);
        Time(keyframes);
        double plain = Time(null), hinted = Time(keyframes);
        double cold = Time(keyframes, warmStart: false);
        // The carrying pass alone (flow and point tracking over every frame, before colouring).
        var carry = Stopwatch.StartNew();
        FrameJob.Frames("720p", frames, _ => { }).WithKeyframes(keyframes).Steer(device, CancellationToken.None);
        double pass = carry.Elapsed.TotalSeconds / count;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  speed, {count} frames of {w}x{h} (stabilised): automatic {plain * 1000:0} ms a frame, 10 keyframe hints carried {hinted * 1000:0} ms a frame ({hinted / plain:0.00}x); of which the carrying pass {pass * 1000:0} ms, the hints' spreading (the rest) {(hinted - plain - pass) * 1000:0} ms; each frame's hints solved from zero {cold * 1000:0} ms a frame"));

        // A colour frame (the last frame, tinted): its SOM + MLP fit once, its colours carried back over the frames before
        // (host work at the flow's resolution), then the film. On the first frame it is fitted but carried forward only,
        // so the two steering passes differ by the backward carry.
        ImageData Tinted(ImageData grey)
        {
            byte[] rgb = (byte[])grey.Rgb8!.Clone();
            for (int i = 0; i < rgb.Length; i += 3)
                (rgb[i + 1], rgb[i + 2]) = ((byte)(rgb[i + 1] * 0.8), (byte)(rgb[i + 2] * 0.6));
            return ImageData.FromRgb8(w, h, rgb);
        }
        var colorFirst = new[] { new FilmKeyframe { Frame = 0, ColorFrame = Tinted(frames[0]) } };
        var colorLast = new[] { new FilmKeyframe { Frame = count - 1, ColorFrame = Tinted(frames[^1]) } };
        double keyedLast = Time(colorLast), keyedFirst = Time(colorFirst);
        using FilmSteering? steering = FrameJob.Frames("720p", frames, _ => { }).WithKeyframes(colorLast).Steer(device, CancellationToken.None);
        double back = steering!.CarryingBack.TotalSeconds / (count - 1);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  speed, a colour frame among the {count} frames: on the last {keyedLast * 1000:0} ms a frame in all, on the first {keyedFirst * 1000:0} (each with its model's fit once); carrying its colours back {back * 1000:0.0} ms a frame carried to"));
    }

    /// <summary>Where a point of frame t-1 is in frame t: the x whose true backward flow leads to it (fixed-point steps on the known flow), or null where it is hidden there.</summary>
    private static (double X, double Y)? Forward(MotionClip clip, int t, double px, double py)
    {
        int w = clip.Width, h = clip.Height, n = w * h;
        double x = px, y = py;
        for (int i = 0; i < 20; i++)
        {
            int p = Math.Clamp((int)Math.Round(y), 0, h - 1) * w + Math.Clamp((int)Math.Round(x), 0, w - 1);
            (x, y) = (px - clip.Flow[t][p], py - clip.Flow[t][n + p]);
        }
        if (x < 0 || y < 0 || x > w - 1 || y > h - 1)
            return null;
        int q = (int)Math.Round(y) * w + (int)Math.Round(x);
        // The place must lead back to the point (no fixed point where something moving covers it) and have been visible.
        if (Math.Abs(x + clip.Flow[t][q] - px) + Math.Abs(y + clip.Flow[t][n + q] - py) > 0.5)
            return null;
        return clip.Visible[t][q] ? (x, y) : null;
    }

    /// <summary>A hint at (x, y) of the 3 x 3 patch's mean true ab.</summary>
    private static ColorHint TrueHint(byte[] rgb, int w, int x, int y)
    {
        double a = 0, b = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                int i = 3 * ((y + dy) * w + x + dx);
                var (_, pa, pb) = LabReference.SrgbToLab(rgb[i] / 255.0, rgb[i + 1] / 255.0, rgb[i + 2] / 255.0);
                a += pa / 9;
                b += pb / 9;
            }
        return new ColorHint(x, y, (float)a, (float)b, Size: 3);
    }

    /// <summary>
    /// PERF_DIAG: how far the colours of the pixels that have not moved since frame 0 (zero true motion on every frame
    /// so far: a still background) have drifted from frame 0's, the mean ab distance, every fourth frame. A film
    /// whose still places keep their colours measures 0; the long-term warping error counts this drift too.
    /// </summary>
    private static void StillDrift(MotionClip clip, List<byte[]> frames, string mode, TextWriter log)
    {
        int n = clip.Width * clip.Height;
        double[][] labs = frames.Select(f => LabReference.SrgbBytesToLab(f, 1, n)).ToArray();
        var still = Enumerable.Repeat(true, n).ToArray();
        var line = new System.Text.StringBuilder($"    {mode}: still pixels' ab drift from frame 0 (ab units; in brackets how many pixels are still):");
        for (int t = 1; t < frames.Count; t++)
        {
            double sum = 0;
            int count = 0;
            for (int q = 0; q < n; q++)
            {
                still[q] &= clip.Flow[t][q] == 0 && clip.Flow[t][n + q] == 0 && clip.Visible[t][q];
                if (!still[q])
                    continue;
                sum += Math.Sqrt(Math.Pow(labs[t][n + q] - labs[0][n + q], 2) + Math.Pow(labs[t][2 * n + q] - labs[0][2 * n + q], 2));
                count++;
            }
            if (count == 0)
                break;   // nothing still (a pan, a zoom): no line
            if (t % 4 == 0)
                line.Append(FormattableString.Invariant($" t{t} {sum / count:F2} ({count})"));
        }
        if (still.Any(s => s))
            log.WriteLine(line.ToString());
    }

    /// <summary>PSNR over the Cb and Cr planes of 8-bit BT.601 YCbCr.</summary>
    private static double ChromaPsnr(byte[] got, byte[] truth)
    {
        double sum = 0;
        int n = got.Length / 3;
        for (int p = 0; p < n; p++)
        {
            double Cb(byte[] c) => -0.168736 * c[3 * p] - 0.331264 * c[3 * p + 1] + 0.5 * c[3 * p + 2];
            double Cr(byte[] c) => 0.5 * c[3 * p] - 0.418688 * c[3 * p + 1] - 0.081312 * c[3 * p + 2];
            sum += Math.Pow(Cb(got) - Cb(truth), 2) + Math.Pow(Cr(got) - Cr(truth), 2);
        }
        return 10 * Math.Log10(255.0 * 255.0 / (sum / (2.0 * n)));
    }

    /// <summary>Colour distribution consistency (Liu et al. 2024): mean JS divergence (base 2) of 256-bin per-channel histograms between frames t and t+k, k = 1, 2, 4.</summary>
    private static double Cdc(IReadOnlyList<byte[]> frames)
    {
        double[][][] histograms = frames.Select(f =>
        {
            var hist = new double[3][];
            for (int c = 0; c < 3; c++)
                hist[c] = new double[256];
            for (int i = 0; i < f.Length; i++)
                hist[i % 3][f[i]]++;
            foreach (double[] channel in hist)
            {
                double total = channel.Sum();
                for (int b = 0; b < 256; b++)
                    channel[b] /= total;
            }
            return hist;
        }).ToArray();
        double Js(double[] p, double[] q)
        {
            double sum = 0;
            for (int b = 0; b < p.Length; b++)
            {
                double m = (p[b] + q[b]) / 2;
                if (p[b] > 0)
                    sum += 0.5 * p[b] * Math.Log2(p[b] / m);
                if (q[b] > 0)
                    sum += 0.5 * q[b] * Math.Log2(q[b] / m);
            }
            return sum;
        }
        var values = new List<double>();
        foreach (int k in new[] { 1, 2, 4 })
            for (int t = 0; t + k < frames.Count; t++)
                values.Add(Enumerable.Range(0, 3).Average(c => Js(histograms[t][c], histograms[t + k][c])));
        return values.Average();
    }
}
