using System.Globalization;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Video;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// The stabiliser's optical flow alone (<see cref="OpticalFlow.Next"/>: the frame's pyramid, every level's Lucas-Kanade
/// solve, the tone fit), on 12 frames of the video-profile bench's pan over the bundled print, at 640 x 360 and 1280 x 720
/// (both flows run at 160 x 90 with three levels above it): every level a launch per step (the baseline: 11 launches a
/// level), the default (small levels in one launch of one thread on the CPU accelerator, <see cref="FlowOps.OneLaunchPixels"/>),
/// and every level in one launch. Median ms a frame, the ratio to the baseline, and whether the flows are the same bits.
/// </summary>
internal static class FlowBench
{
    public static void Run(ComputeDevice device, TextWriter log)
    {
        ImageData print = ImageIO.Load(Path.Combine("samples", "demo-bw", "nagasaki-boats.jpg"));
        log.WriteLine($"flow  12 frames of a pan, the flow of each against the one before, on {device.Description}");
        log.WriteLine($"  {"size",-10} {"solve",-14} {"ms a frame",11} {"vs per step",12} {"same bits",10}");
        foreach (var (width, height) in new[] { (640, 360), (1280, 720) })
        {
            var rows = FlowsOf(device, VideoProfileBench.Pan(print, width, height, count: 12), new[] { FlowSolve.LaunchPerStep, FlowSolve.Auto, FlowSolve.OneLaunch },
                solve => new FlowSettings { Solve = solve }, median: true);
            foreach (var (solve, ms, ratio, same) in rows)
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {$"{width}x{height}",-10} {solve,-14} {ms,11:F2} {ratio,11:F2}x {(same ? "yes" : "NO"),10}"));
        }
        RunToneMatch(device, print, log);
        RunFrameMotion(device, print, log);
    }

    /// <summary>
    /// What <see cref="FlowSettings.FrameMotionOnGrain"/> costs: the pan with fresh grain on every frame (Gaussian, 6 grey
    /// levels, as the old-film clips' recipe), the flow with it off (the baseline) and on, at 256 x 144 (the flow at full
    /// resolution, where the grain is at full strength), 640 x 360 and 1280 x 720 (the flow at 160 x 90, each value a mean
    /// of 4 x 4 or 8 x 8 pixels). On a grainy frame the frame's motion is fitted on the host and the flow compared along it.
    /// Both rows widen the flow's windows on a grainy film (<see cref="FlowSettings.GrainRadius"/>); a third row, the
    /// frame's motion on and the windows kept at 5 x 5, gives what the wider windows cost.
    /// </summary>
    private static void RunFrameMotion(ComputeDevice device, ImageData print, TextWriter log)
    {
        log.WriteLine("flow, the frame's motion on a grainy frame (FrameMotionOnGrain): 12 frames of the pan with grain of 6 grey levels");
        log.WriteLine($"  {"size",-10} {"setting",-8} {"ms a frame",11} {"vs off",8} {"grainy frames",14} {"following it",13}");
        foreach (var (width, height) in new[] { (256, 144), (640, 360), (1280, 720) })
        {
            var random = new Random(6);
            double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            List<ImageData> grainy = VideoProfileBench.Pan(print, width, height, count: 12)
                .Select(f => f.WithRgb8(f.Rgb8!.Select(v => (byte)Math.Clamp(Math.Round(v + 6 * Gaussian()), 0, 255)).ToArray())).ToList();
            var defaults = new FlowSettings();
            var rows = FlowsOf(device, grainy, new[] { "off", "on", "on, 5x5" },
                row => defaults with { FrameMotionOnGrain = row != "off", GrainRadius = row == "on, 5x5" ? defaults.Radius : defaults.GrainRadius }, median: false);
            var (noisy, follows) = Following(device, grainy);
            foreach (var (row, ms, ratio, _) in rows)
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {$"{width}x{height}",-10} {row,-8} {ms,11:F2} {ratio,7:F2}x {noisy,14} {(row == "on" ? follows : 0),13}"));
        }
    }

    /// <summary>Of <paramref name="frames"/> after the first, how many are grainy to the flow (<see cref="OpticalFlow.NoisyFrame"/>) and how many of those take the frame's motion.</summary>
    private static (int Noisy, int Follows) Following(ComputeDevice device, List<ImageData> frames)
    {
        int width = frames[0].Width, height = frames[0].Height, noisy = 0, follows = 0;
        using var flow = new OpticalFlow(device, width, height);
        using Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, height, width));
        foreach (ImageData frame in frames)
        {
            using Tensor<byte> rgb = device.Upload("rgb", new Shape(1, height, width, 3), frame.Rgb8!);
            LabOps.SrgbBytesToLab(rgb, lab);
            if (!flow.Next(lab))
                continue;
            noisy += flow.Grainy ? 1 : 0;
            follows += flow.FollowsFrameMotion ? 1 : 0;
        }
        return (noisy, follows);
    }

    /// <summary>
    /// What <see cref="FlowSettings.MatchToneBeforeFlow"/> costs: the 720p pan as it is and with exposure flicker (every
    /// other frame's grey bytes times 0.85), the flow with it off (the baseline) and on. On a frame whose tone did not move
    /// nothing more runs (the same bits); a flickering frame's flow is solved a second time.
    /// </summary>
    private static void RunToneMatch(ComputeDevice device, ImageData print, TextWriter log)
    {
        const int width = 1280, height = 720;
        log.WriteLine($"flow, solved again on a flickering frame (MatchToneBeforeFlow): 12 frames of the {width}x{height} pan");
        log.WriteLine($"  {"frames",-10} {"setting",-8} {"ms a frame",11} {"vs off",8} {"same bits",10}");
        List<ImageData> clean = VideoProfileBench.Pan(print, width, height, count: 12);
        List<ImageData> flickering = clean.Select((f, i) => i % 2 == 0 ? f : f.WithRgb8(f.Rgb8!.Select(v => (byte)Math.Round(v * 0.85)).ToArray())).ToList();
        foreach (var (name, frames) in new[] { ("clean", clean), ("flicker", flickering) })
            foreach (var (on, ms, ratio, same) in FlowsOf(device, frames, new[] { false, true }, on => new FlowSettings { MatchToneBeforeFlow = on }, median: false))
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-10} {(on ? "on" : "off"),-8} {ms,11:F2} {ratio,7:F2}x {(same ? "yes" : "no"),10}"));
    }

    /// <summary>
    /// The flow of each of <paramref name="frames"/> against the one before, once per setting (the first the baseline):
    /// ms a frame over two timed passes after one that compiles the kernels (their median, or mean), the baseline's
    /// over it, and whether the last frame's flow is the baseline's bits.
    /// </summary>
    private static List<(T Setting, double Ms, double Ratio, bool Same)> FlowsOf<T>(ComputeDevice device, List<ImageData> frames, T[] settings,
        Func<T, FlowSettings> flowSettings, bool median)
    {
        int width = frames[0].Width, height = frames[0].Height;
        var labs = new List<Tensor<float>>();
        var rows = new List<(T, double, double, bool)>();
        try
        {
            foreach (ImageData frame in frames)
            {
                using Tensor<byte> rgb = device.Upload("rgb", new Shape(1, height, width, 3), frame.Rgb8!);
                Tensor<float> lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, height, width));
                LabOps.SrgbBytesToLab(rgb, lab);
                labs.Add(lab);
            }
            double baseline = 0;
            float[]? baselineFlow = null;
            foreach (T setting in settings)
            {
                using var flow = new OpticalFlow(device, width, height, flowSettings(setting));
                var times = new List<double>();
                for (int pass = 0; pass < 3; pass++)   // the first pass compiles the kernels
                    foreach (Tensor<float> lab in labs)
                    {
                        var clock = System.Diagnostics.Stopwatch.StartNew();
                        flow.Next(lab);
                        device.Synchronize();
                        if (pass > 0)
                            times.Add(clock.Elapsed.TotalMilliseconds);
                    }
                double ms = median ? times.Order().ElementAt(times.Count / 2) : times.Average();
                float[] result = flow.Flow.Download();
                baselineFlow ??= result;
                if (baseline == 0)
                    baseline = ms;
                rows.Add((setting, ms, baseline / ms, result.AsSpan().SequenceEqual(baselineFlow)));
            }
        }
        finally
        {
            foreach (Tensor<float> lab in labs)
                lab.Dispose();
        }
        return rows;
    }
}
