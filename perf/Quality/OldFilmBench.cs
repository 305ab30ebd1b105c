using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Training;
using ColorKernels.Engine.Video;
using ColorKernels.Tests.Support;

namespace ColorKernels.Perf.Quality;

/// <summary>
/// Issue #41 item 1's targets at a film's own size: `perf --filter old-film --data DIR` makes clips of known motion at
/// 1280 x 720 (PERF_SIZE=WxH says otherwise) from DIR's first --limit photos taken in pairs (a background, and a disc of
/// the other moving over it; at least 1920 x 1080 for 720p: perf/large-photos.sh; --limit 2 for one pair),
/// 24 frames each (PERF_FRAMES), clean and as old film (<see cref="OldFilm"/>: flicker, grain, gate weave, dust;
/// PERF_GRAIN=0,1,3 by default: 0 the clean clip, else the grain's clump size in pixels), and colours each frame by frame
/// (the baseline), with the motion stabiliser as it was before 2026-12-08 (its noise level measured at the flow's
/// resolution) and as it is (<see cref="FlowSettings.NoiseAtFrame"/>), through the same frame pipeline, scored before encoding against the clip's true motion as
/// tests/Frames/OldFilmTests does at 256 x 192. The tests' clips are small, so the flow runs at their full resolution,
/// where per-pixel grain is at full strength; a 720p film's flow runs at 160 x 90 (each value the mean of 8 x 8
/// pixels), where grain averages away while the blend still compares each pixel's L. Targets, printed
/// as ratios to per-frame colouring: short- and long-term warping error at most 0.5, rebalanced AuC at least per-frame's
/// - 0.5, the frame-to-frame change of the mean a and b at most 0.5; and the 8-bit floor (frame 0's colours carried
/// along the true motion), below which no stabiliser can go.
/// </summary>
internal static class OldFilmBench
{
    public static void Run(ComputeDevice device, string data, int limit, TextWriter log)
    {
        var (w, h) = Environment.GetEnvironmentVariable("PERF_SIZE") is { } size && size.Split('x') is [var sw, var sh]
            ? (int.Parse(sw, CultureInfo.InvariantCulture), int.Parse(sh, CultureInfo.InvariantCulture)) : (1280, 720);
        int frames = Environment.GetEnvironmentVariable("PERF_FRAMES") is { } given ? int.Parse(given, CultureInfo.InvariantCulture) : 24;
        int[] grains = (Environment.GetEnvironmentVariable("PERF_GRAIN") ?? "0,1,3").Split(',').Select(g => int.Parse(g, CultureInfo.InvariantCulture)).ToArray();
        List<string> photos = PhotoBatches.Scan(data).Take(limit).Select(Path.GetFullPath).ToList();
        if (photos.Count < 2)
            throw new InvalidOperationException($"old-film needs two photos or more in {data} (a background and a moving object)");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        using var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
        // The photos in pairs: the first of each the pan's, the zoom's and the moving object's background, the second the object.
        for (int pair = 0; pair + 1 < photos.Count; pair += 2)
            RunPair(colorizer, metrics, photos[pair], photos[pair + 1], w, h, frames, grains, log);
    }

    private static void RunPair(IColorizer colorizer, ImageMetrics metrics, string background, string thing, int w, int h, int frames, int[] grains, TextWriter log)
    {
        // Motion in proportion to the tests' clips at 256 x 192 (a pan of 6, 2 and a disc moving 6, 2 there, at half that
        // speed: a second of film here against their 12 frames), a zoom as theirs.
        double k = w / 256.0;
        int dx = (int)Math.Round(6 * k / 2), dy = (int)Math.Round(2 * k / 2);
        ImageData first = ImageIO.Load(background);
        double start = 0.95 * Math.Min(first.Width / (double)w, first.Height / (double)h);
        var clips = new List<Func<OldFilm?, MotionClip>>
        {
            old => MotionClips.Pan(background, dx, dy, frames, w, h, old),
            old => MotionClips.Zoom(background, rate: 0.98, start: start, frames: frames, w: w, h: h, old: old),
            old => MotionClips.MovingObject(background, thing, vx: dx, vy: dy, radius: 44 * k, frames: frames, w: w, h: h, old: old,
                x0: 60 * k, y0: 80 * k, backX: (first.Width - w) / 2.0, backY: (first.Height - h) / 2.0),
        };
        log.WriteLine($"old-film  clips of {frames} frames of {w}x{h} from {Path.GetFileName(background)} (and {Path.GetFileName(thing)} moving), built-in model, per frame and stabilised, {colorizer.Device.Description}");
        log.WriteLine($"  {"clip",-72} {"stabiliser",-24} {"warp short",10} {"warp long",10} {"ratio s/l",10} {"rebal AuC",9} {"mean a,b change ratio",21} {"ms a frame",10}");
        foreach (int grain in grains)
            foreach (var make in clips)
            {
                // Grain 0: the clean clip (no defects), to see that what helps old film costs clean film nothing.
                MotionClip clip = make(grain == 0 ? null : new OldFilm(GrainSize: grain));
                (double Short, double Long)? perFrameWarp = null;
                (double A, double B) perFrameChange = default;
                foreach (var (name, options) in Stabilisers)
                {
                    var (coloured, seconds) = Colour(colorizer, clip, options);
                    var warp = MotionClipMetrics.WarpingErrors(clip, coloured);
                    var change = MotionClipMetrics.MeanAbChange(coloured);
                    if (perFrameWarp is null)
                    {
                        // The first row is per-frame colouring, the baseline; the 8-bit floor carries its frame 0 (tests/Frames/OldFilmTests).
                        (perFrameWarp, perFrameChange) = (warp, change);
                        List<byte[]> carried = MotionClipMetrics.CarriedAlongTruth(clip, coloured[0]);
                        var floor = MotionClipMetrics.WarpingErrors(clip, carried);
                        var floorChange = MotionClipMetrics.MeanAbChange(carried);
                        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {clip.Name,-72} {"8-bit floor",-24} {floor.Short,10:F3} {floor.Long,10:F3} {floor.Short / warp.Short,4:F2}/{floor.Long / warp.Long,-5:F2} {"",9} {floorChange.A / change.A,10:F2},{floorChange.B / change.B,-10:F2}"));
                    }
                    double auc = coloured.Select((f, t) => metrics.Score(clip.Name, "m", ImageData.FromRgb8(w, h, f),
                        ImageData.FromRgb8(w, h, clip.Colour[t])).AucRebalanced).Average();
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {clip.Name,-72} {name,-24} {warp.Short,10:F3} {warp.Long,10:F3} {warp.Short / perFrameWarp.Value.Short,4:F2}/{warp.Long / perFrameWarp.Value.Long,-5:F2} {auc,9:F2} {change.A / perFrameChange.A,10:F2},{change.B / perFrameChange.B,-10:F2} {seconds * 1000,10:F0}"));
                    log.Flush();
                }
            }
    }

    /// <summary>Per frame (the baseline), the stabiliser with its noise level at the flow's resolution (as before 2026-12-08), and as it is.</summary>
    private static readonly (string Name, VideoOptions Options)[] Stabilisers =
    {
        ("per frame", new VideoOptions { Stabilize = false }),
        ("noise at flow's size", new VideoOptions { FlowSettings = new FlowSettings { NoiseAtFrame = false } }),
        ("stabilised (default)", new VideoOptions()),
    };

    /// <summary>The clip's frames coloured by the built-in model, per frame or stabilised, and the seconds a frame it took.</summary>
    private static (List<byte[]> Frames, double Seconds) Colour(IColorizer colorizer, MotionClip clip, VideoOptions options)
    {
        var frames = new List<byte[]>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        new FramePipeline(colorizer).Run(FrameJob.Frames(clip.Name, clip.GreyFrames(), f => frames.Add(f.Rgb8!), options));
        return (frames, clock.Elapsed.TotalSeconds / frames.Count);
    }
}
