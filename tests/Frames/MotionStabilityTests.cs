using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Evaluation;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Training;
using ColorKernels.Engine.Video;
using ColorKernels.Kernels.Color;
using ColorKernels.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ColorKernels.Tests.Frames;

/// <summary>
/// Colours that follow the camera (issue #29), measured on clips whose motion is known (made from CC0 photos:
/// pans of 2, 6 and 12 pixels a frame, a zoom, an object moving over a still background), for every frame
/// coloured on its own, the fixed-pixel filter and the motion-following stabiliser, all through the same
/// frame pipeline and measured on the frames before encoding (so no codec noise differs between them).
/// Warping error (Lai et al. 2018): the mean ab distance between a frame and the frame before warped by the
/// true motion, over the pixels visible in both. Held: the motion stabiliser at most half of per-frame's on
/// the pans and the zoom, rebalanced AuC within 0.5 of per-frame's, the moving object's edge band no worse.
/// </summary>
public class MotionStabilityTests(ITestOutputHelper output)
{
    public enum Mode { PerFrame, FixedPixel, Motion }

    /// <summary>The clip's frames coloured by the built-in model in <paramref name="mode"/>, as packed RGB.</summary>
    public static List<byte[]> Colour(ComputeDevice device, IColorizer colorizer, MotionClip clip, Mode mode)
    {
        var frames = new List<byte[]>();
        var options = new VideoOptions { Stabilize = mode != Mode.PerFrame, FixedPixel = mode == Mode.FixedPixel };
        new FramePipeline(colorizer).Run(FrameJob.Frames(clip.Name, clip.GreyFrames(), f => frames.Add(f.Rgb8!), options));
        return frames;
    }

    private static double Sample(double[] lab, int c, int w, int h, double x, double y) => MotionClipMetrics.SampleClamped(lab, c, w, h, x, y);

    /// <summary>
    /// Warping error: mean |ab_t(x) - ab_(t-1)(x + f(x))| over the visible pixels of frames 1 on, f the true motion;
    /// <paramref name="frames"/>[k] is the clip's frame <paramref name="first"/> + k.
    /// </summary>
    public static double WarpingError(MotionClip clip, IReadOnlyList<byte[]> frames, int first = 0)
    {
        int w = clip.Width, h = clip.Height, n = w * h;
        double sum = 0;
        long count = 0;
        double[] before = LabReference.SrgbBytesToLab(frames[0], 1, n);
        for (int t = 1; t < frames.Count; t++)
        {
            double[] now = LabReference.SrgbBytesToLab(frames[t], 1, n);
            int c = first + t;
            for (int p = 0; p < n; p++)
            {
                if (!clip.Visible[c][p])
                    continue;
                double sx = p % w + clip.Flow[c][p], sy = p / w + clip.Flow[c][n + p];
                sum += Math.Sqrt(Math.Pow(now[n + p] - Sample(before, 1, w, h, sx, sy), 2) + Math.Pow(now[2 * n + p] - Sample(before, 2, w, h, sx, sy), 2));
                count++;
            }
            before = now;
        }
        return sum / count;
    }

    /// <summary>The mean ab error against the truth over the edge band of a moving object (NaN without one).</summary>
    public static double EdgeBandError(MotionClip clip, IReadOnlyList<byte[]> frames)
    {
        int n = clip.Width * clip.Height;
        double sum = 0;
        long count = 0;
        for (int t = 0; t < frames.Count; t++)
        {
            double[] got = LabReference.SrgbBytesToLab(frames[t], 1, n), truth = LabReference.SrgbBytesToLab(clip.Colour[t], 1, n);
            for (int p = 0; p < n; p++)
                if (clip.EdgeBand[t][p])
                {
                    sum += Math.Sqrt(Math.Pow(got[n + p] - truth[n + p], 2) + Math.Pow(got[2 * n + p] - truth[2 * n + p], 2));
                    count++;
                }
        }
        return count == 0 ? double.NaN : sum / count;
    }

    public sealed record Scores(double Warping, double Flicker, double AucRebalanced, double Chroma, double EdgeBand);

    public static Scores Score(ComputeDevice device, MotionClip clip, IReadOnlyList<byte[]> frames)
    {
        var metrics = new ImageMetrics(device, Rebalancing.ImageNetPrior());
        var scores = frames.Select((f, t) => metrics.Score(clip.Name, "m", ImageData.FromRgb8(clip.Width, clip.Height, f), ImageData.FromRgb8(clip.Width, clip.Height, clip.Colour[t]))).ToList();
        return new Scores(WarpingError(clip, frames), VideoMetrics.Flicker(frames), scores.Average(s => s.AucRebalanced), scores.Average(s => s.Chroma), EdgeBandError(clip, frames));
    }

    /// <summary>The clips over the car photo (on which the settings were chosen) and three held out (books, parrot).</summary>
    public static IEnumerable<object[]> Clips() => new[]
    {
        new object[] { "pan2" }, new object[] { "pan6" }, new object[] { "pan12" }, new object[] { "zoom" }, new object[] { "object" },
        new object[] { "pan6-books" }, new object[] { "zoom-parrot" }, new object[] { "object-books" },
    };

    public static MotionClip Clip(string name, int frames = 12) => name switch
    {
        "pan2" => MotionClips.Pan("car", 2, 1, frames),
        "pan6" => MotionClips.Pan("car", 6, 2, frames),
        "pan12" => MotionClips.Pan("car", 12, 4, frames),
        "zoom" => MotionClips.Zoom("car", frames: frames),
        "object" => MotionClips.MovingObject("car", "sunflower", frames: frames),
        "pan6-books" => MotionClips.Pan("books", -6, 2, frames),
        "zoom-parrot" => MotionClips.Zoom("parrot", frames: frames),
        "object-books" => MotionClips.MovingObject("books", "parrot", vx: 5, vy: -3, frames: frames),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Clips))]
    public void Colours_follow_the_motion_at_half_the_warping_error_of_per_frame_colouring(string name)
    {
        MotionClip clip = Clip(name);
        using var device = ComputeDevice.Open("cpu");
        using IColorizer colorizer = Colorizer.Open(device, "default");
        var results = Enum.GetValues<Mode>().ToDictionary(m => m, m => Score(device, clip, Colour(device, colorizer, clip, m)));
        foreach (var (mode, s) in results)
            output.WriteLine($"{clip.Name} {mode}: warping {s.Warping:0.000}, flicker {s.Flicker:0.000}, AuC rebalanced {s.AucRebalanced:0.00}, chroma {s.Chroma:0.00}, edge band {s.EdgeBand:0.00}");
        Scores perFrame = results[Mode.PerFrame], motion = results[Mode.Motion];
        if (!name.StartsWith("object", StringComparison.Ordinal))
            Assert.True(motion.Warping <= 0.5 * perFrame.Warping, $"warping error {motion.Warping:0.000} against per-frame {perFrame.Warping:0.000}");
        else
        {
            // A still camera (the background) with a moving object: the flicker of still pixels, which is what
            // the old fixed-pixel filter was made for, halved as well, and no worse than that filter's warping error.
            Assert.True(motion.Warping <= 0.5 * perFrame.Warping, $"warping error {motion.Warping:0.000} against per-frame {perFrame.Warping:0.000}");
            Assert.True(motion.Flicker <= 0.5 * perFrame.Flicker, $"flicker {motion.Flicker:0.000} against per-frame {perFrame.Flicker:0.000}");
            Assert.True(motion.Warping <= results[Mode.FixedPixel].Warping, $"warping error {motion.Warping:0.000} against the fixed-pixel filter's {results[Mode.FixedPixel].Warping:0.000}");
        }
        Assert.True(motion.AucRebalanced >= perFrame.AucRebalanced - 0.5, $"rebalanced AuC {motion.AucRebalanced:0.00} against per-frame {perFrame.AucRebalanced:0.00}");
        // Colour must not be dragged off the object: the ab error near its rim no worse than per-frame's, within
        // 0.5 % (per-frame's own is about 27 units there, the model's; the stabilisers differ by hundredths).
        if (name.StartsWith("object", StringComparison.Ordinal))
            Assert.True(motion.EdgeBand <= perFrame.EdgeBand * 1.005, $"edge band ab error {motion.EdgeBand:0.00} against per-frame {perFrame.EdgeBand:0.00}");
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(6, 2)]
    [InlineData(12, 4)]
    [InlineData(-9, 3)]
    public void The_flow_of_a_pan_is_the_pan(int dx, int dy)
    {
        MotionClip clip = MotionClips.Pan("car", dx, dy, frames: 2);
        using var device = ComputeDevice.Open("cpu");
        var flow = FlowOf(device, clip);
        // Endpoint errors over the visible pixels, in full-resolution pixels. Weakly textured places (the photo's
        // motion blur, dark foliage) keep some wrong vectors; the stabiliser's L test refuses what they bring.
        int n = clip.Width * clip.Height;
        var errors = Enumerable.Range(0, n).Where(p => clip.Visible[1][p])
            .Select(p => Math.Sqrt(Math.Pow(flow[p] - clip.Flow[1][p], 2) + Math.Pow(flow[n + p] - clip.Flow[1][n + p], 2))).Order().ToList();
        double median = errors[errors.Count / 2], within = errors.Count(e => e <= 1) / (double)errors.Count;
        output.WriteLine($"pan {dx},{dy}: median endpoint error {median:0.000} px, {within:P1} within 1 px, mean {errors.Average():0.000} px");
        Assert.True(median < 0.3 && within > 0.6, $"median endpoint error {median:0.000} px, {within:P1} within 1 px");
    }

    [Fact]
    public void The_flow_is_the_same_bits_whether_a_level_runs_in_one_launch_or_a_launch_per_step()
    {
        // FlowOps.Level's two ways share their per-pixel code; a zoom over three frames (two flows, every level of
        // the 256 x 192 pyramid: 49k to 768 pixels) must come out identical, flow and tone alike.
        MotionClip clip = MotionClips.Zoom("parrot", frames: 3);
        using var device = ComputeDevice.Open("cpu");
        (float[] Flow, (float, float) Tone, double Difference) Run(FlowSolve solve)
        {
            using var flow = new OpticalFlow(device, clip.Width, clip.Height, new FlowSettings { Solve = solve });
            Feed(device, flow, clip.Grey);
            return (flow.Flow.Download(), flow.Tone, flow.MotionCompensatedDifference());
        }
        var steps = Run(FlowSolve.LaunchPerStep);
        var one = Run(FlowSolve.OneLaunch);
        Assert.True(steps.Flow.Any(v => Math.Abs(v) > 0.1f), "the zoom's flow is not zero");
        Assert.Equal(steps.Flow, one.Flow);
        Assert.Equal(steps.Tone, one.Tone);
        Assert.Equal(steps.Difference, one.Difference);
    }

    /// <summary>
    /// <see cref="FlowSettings.MatchToneBeforeFlow"/> (the keyframe carrier's flow): on a pan under exposure flicker, the
    /// frames whose tone moved get a flow nearer the true motion (Lucas-Kanade assumes constant brightness); on the clean
    /// pan every frame's flow is the same bits as without it.
    /// </summary>
    [Fact]
    public void A_flickering_frames_flow_solved_again_at_its_exposure_is_nearer_the_true_motion()
    {
        using var device = ComputeDevice.Open("cpu");
        (double Plain, double Matched, int Moved) Compare(MotionClip clip, bool clean)
        {
            double sumPlain = 0, sumMatched = 0;
            int moved = 0;
            // The frame's motion off in both (FlowSettings.FrameMotionOnGrain): a misled flow leaves a difference like grain's.
            var setting = new FlowSettings { FrameMotionOnGrain = false };
            Paired(device, clip, setting with { MatchToneBeforeFlow = false }, setting with { MatchToneBeforeFlow = true }, (plain, matched, a, b, error) =>
            {
                if (clean)
                    Assert.Equal(a, b);
                else if (Math.Abs(plain.Tone.Gain - 1) > 0.01 || Math.Abs(plain.Tone.Offset) > 1)
                {
                    sumPlain += error(a);
                    sumMatched += error(b);
                    moved++;
                }
            });
            return (sumPlain / Math.Max(1, moved), sumMatched / Math.Max(1, moved), moved);
        }
        Compare(MotionClips.Pan("books", -2, 1, frames: 6), clean: true);
        var (plainError, matchedError, frames) = Compare(MotionClips.Pan("books", -2, 1, frames: 12, old: new OldFilm(Flicker: true, Grain: false, Weave: false, Dust: false)), clean: false);
        output.WriteLine($"flickering pan: {frames} frames whose tone moved, mean endpoint error {plainError:0.000} px plain, {matchedError:0.000} px solved again at the frame's exposure");
        Assert.True(frames >= 3, $"{frames} frames whose tone moved");
        Assert.True(matchedError < 0.8 * plainError, $"mean endpoint error {matchedError:0.000} px against {plainError:0.000} px");
    }

    /// <summary>
    /// <see cref="FlowSettings.FrameMotionOnGrain"/>: under grain a camera move's flow is the frame's motion as a whole,
    /// much nearer the true motion than Lucas-Kanade's, which fits the grain on flat places; a moving object, which one
    /// affine map cannot follow, keeps the dense flow bit for bit; a clean frame is not grainy and fits nothing.
    /// </summary>
    [Fact]
    public void A_grainy_camera_moves_flow_is_the_frames_motion_and_a_moving_object_keeps_its_own()
    {
        using var device = ComputeDevice.Open("cpu");
        var grain = new OldFilm(Flicker: false, Grain: true, Weave: true, Dust: false);
        (double Dense, double Followed, int Follows, double BlendRatio) Compare(MotionClip clip)
        {
            double sumDense = 0, sumFollowed = 0, sumRatio = 0;
            int follows = 0;
            Paired(device, clip, new FlowSettings { FrameMotionOnGrain = false }, new FlowSettings(), (dense, followed, a, b, error) =>
            {
                // Only the flow is replaced: the tone and the difference the cut test reads are the dense flow's.
                Assert.Equal(dense.MotionCompensatedDifference(), followed.MotionCompensatedDifference());
                Assert.Equal(dense.Tone, followed.Tone);
                // The blend's are measured along the flow it reads: the dense flow's where it was kept; along the frame's
                // motion, which leaves the grain the dense flow fitted, at most FrameMotionExplains times as much.
                double denseDifference = dense.MotionCompensatedDifference();
                if (followed.FollowsFrameMotion)
                {
                    follows++;
                    Assert.InRange(followed.BlendTone.Difference, 0.5 * denseDifference, OpticalFlow.FrameMotionExplains * denseDifference);
                    sumRatio += followed.BlendTone.Difference / denseDifference;
                }
                else
                {
                    Assert.Equal(a, b);
                    Assert.Equal((dense.Tone, denseDifference), followed.BlendTone);
                }
                sumDense += error(a);
                sumFollowed += error(b);
            });
            int frames = clip.Grey.Count - 1;
            output.WriteLine($"{clip.Name}: mean endpoint error {sumDense / frames:0.000} px dense, {sumFollowed / frames:0.000} px with the frame's motion on grain ({follows} of {frames} frames follow it; the difference along it {sumRatio / Math.Max(follows, 1):0.00} times the dense flow's)");
            return (sumDense / frames, sumFollowed / frames, follows, sumRatio / Math.Max(follows, 1));
        }
        foreach (MotionClip pan in new[] { MotionClips.Pan("books", -2, 1, frames: 8, old: grain), MotionClips.Zoom("parrot", frames: 8, old: grain) })
        {
            var (denseError, followedError, follows, blendRatio) = Compare(pan);
            Assert.Equal(7, follows);
            Assert.True(followedError < 0.5 * denseError, $"{pan.Name}: mean endpoint error {followedError:0.000} px against {denseError:0.000} px");
            Assert.True(blendRatio > 1.0, $"{pan.Name}: the blend's difference along the frame's motion {blendRatio:0.000} times the dense flow's");
        }
        Assert.Equal(0, Compare(MotionClips.MovingObject("books", "parrot", vx: 5, vy: -3, frames: 6, old: grain)).Follows);
        var clean = MotionClips.Pan("books", -2, 1, frames: 4);
        using var flow = new OpticalFlow(device, clean.Width, clean.Height);
        foreach (byte[] frame in clean.Grey)
        {
            Feed(device, flow, new[] { frame });
            Assert.Null(flow.FrameMotion);
            Assert.False(flow.FollowsFrameMotion);
            Assert.Equal((flow.Tone, flow.MotionCompensatedDifference()), flow.BlendTone);
        }
    }

    /// <summary>
    /// The blend's noise level is measured where the blend compares, pixel by pixel (<see cref="FlowSettings.NoiseAtFrame"/>):
    /// on grainy frames wider than the flow's resolution (a zoom of 512 x 384, the flow at 256 x 192, each value a 2 x 2
    /// mean, which halves the grain) <see cref="OpticalFlow.BlendNoise"/> is the frames' own difference along the true
    /// motion at their resolution, within 15 % (the flow and tone are estimated, the reference's are true), where the
    /// flow's resolution measures far less; with the setting off, and on frames the flow takes whole, it is
    /// <see cref="OpticalFlow.BlendTone"/>'s difference, the same number.
    /// </summary>
    [Fact]
    public void The_blends_noise_level_is_measured_at_the_frames_resolution()
    {
        using var device = ComputeDevice.Open("cpu");
        var grain = new OldFilm(Flicker: false, Grain: true, Weave: false, Dust: false);
        MotionClip clip = MotionClips.Zoom("books", rate: 0.99, start: 0.95, frames: 4, w: 512, h: 384, old: grain);
        int w = clip.Width, h = clip.Height, n = w * h;
        using var flow = new OpticalFlow(device, w, h);
        using var off = new OpticalFlow(device, w, h, new FlowSettings { NoiseAtFrame = false });
        Assert.Equal(256, flow.FlowWidth);
        for (int t = 0; t < clip.Grey.Count; t++)
        {
            Feed(device, flow, new[] { clip.Grey[t] });
            Feed(device, off, new[] { clip.Grey[t] });
            Assert.Equal(off.BlendTone.Difference, off.BlendNoise);
            if (t == 0)
            {
                Assert.Equal(double.PositiveInfinity, flow.BlendNoise);
                continue;
            }
            // The reference: mean |L_t(x) - L_(t-1)(x + f(x))| along the true motion, every fourth pixel of every fourth row.
            double[] now = LabReference.SrgbBytesToLab(clip.Grey[t], 1, n), before = LabReference.SrgbBytesToLab(clip.Grey[t - 1], 1, n);
            float[] truth = clip.Flow[t];
            double sum = 0;
            int count = 0;
            for (int y = 0; y < h; y += 4)
                for (int x = 0; x < w; x += 4)
                {
                    int p = y * w + x;
                    double sx = x + truth[p], sy = y + truth[n + p];
                    if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1)
                        continue;
                    sum += Math.Abs(now[p] - MotionClipMetrics.SampleClamped(before, 0, w, h, sx, sy));
                    count++;
                }
            double reference = sum / count;
            output.WriteLine($"frame {t}: noise at the frame's resolution {flow.BlendNoise:0.000} (reference {reference:0.000}), at the flow's {flow.BlendTone.Difference:0.000}");
            Assert.InRange(flow.BlendNoise, 0.85 * reference, 1.15 * reference);
            Assert.True(flow.BlendTone.Difference < 0.75 * flow.BlendNoise, $"frame {t}: at the flow's resolution {flow.BlendTone.Difference:0.000}, at the frame's {flow.BlendNoise:0.000}");
            Assert.Equal(flow.BlendTone, off.BlendTone);
        }
        var small = MotionClips.Pan("books", -2, 1, frames: 3, old: grain);
        using var whole = new OpticalFlow(device, small.Width, small.Height);
        foreach (byte[] frame in small.Grey)
        {
            Feed(device, whole, new[] { frame });
            Assert.Equal(whole.BlendTone.Difference, whole.BlendNoise);
        }
    }

    /// <summary>
    /// A grainy film's flow widens its window (FlowSettings.GrainRadius) once two frames in a row were grainy: nearer the
    /// true motion on a grainy pan and zoom (the dense flow alone, the frame's motion off in both), and on a clean pan the
    /// same bits, since its frames are never grainy.
    /// </summary>
    [Fact]
    public void A_grainy_films_flow_widens_its_window_and_a_clean_films_does_not()
    {
        using var device = ComputeDevice.Open("cpu");
        var grain = new OldFilm(Flicker: false, Grain: true, Weave: true, Dust: false);
        var narrow = new FlowSettings { FrameMotionOnGrain = false, GrainRadius = 2 };
        var widening = new FlowSettings { FrameMotionOnGrain = false };
        foreach (MotionClip clip in new[] { MotionClips.Pan("books", -2, 1, frames: 8, old: grain), MotionClips.Zoom("parrot", frames: 8, old: grain) })
        {
            double sumNarrow = 0, sumWidening = 0;
            int widened = 0;
            Paired(device, clip, narrow, widening, (_, _, a, b, error) =>
            {
                widened += a.AsSpan().SequenceEqual(b) ? 0 : 1;
                sumNarrow += error(a);
                sumWidening += error(b);
            });
            output.WriteLine($"{clip.Name}: mean endpoint error {sumNarrow / (clip.Grey.Count - 1):0.000} px with 5 x 5 windows, {sumWidening / (clip.Grey.Count - 1):0.000} px widening on grain ({widened} frames widened)");
            // The first two frames' flows are solved before two grainy frames are seen.
            Assert.Equal(clip.Grey.Count - 3, widened);
            Assert.True(sumWidening < 0.85 * sumNarrow, $"{clip.Name}: {sumWidening:0.000} against {sumNarrow:0.000}");
        }
        Paired(device, MotionClips.Pan("books", -2, 1, frames: 6), narrow, widening, (_, _, a, b, _) => Assert.Equal(a, b));
    }

    /// <summary>
    /// Two flows with their own settings fed <paramref name="clip"/>'s frames in order (at full resolution: the clips are
    /// 256 wide, so their vectors compare with the truth's directly); after each frame from the second, <paramref name="visit"/>
    /// gets both, their flows, and the mean endpoint error of a flow against the truth over the frame's visible pixels.
    /// </summary>
    private static void Paired(ComputeDevice device, MotionClip clip, FlowSettings first, FlowSettings second,
        Action<OpticalFlow, OpticalFlow, float[], float[], Func<float[], double>> visit)
    {
        int w = clip.Width, h = clip.Height, n = w * h;
        using var a = new OpticalFlow(device, w, h, first);
        using var b = new OpticalFlow(device, w, h, second);
        Assert.Equal(w, a.FlowWidth);
        for (int t = 0; t < clip.Grey.Count; t++)
        {
            Feed(device, a, new[] { clip.Grey[t] });
            Feed(device, b, new[] { clip.Grey[t] });
            if (t == 0)
                continue;
            bool[] visible = clip.Visible[t];
            float[] truth = clip.Flow[t];
            visit(a, b, a.Flow.Download(), b.Flow.Download(), f => Enumerable.Range(0, n).Where(p => visible[p])
                .Select(p => Math.Sqrt(Math.Pow(f[p] - truth[p], 2) + Math.Pow(f[n + p] - truth[n + p], 2))).Average());
        }
    }

    /// <summary>Each greyscale frame (packed RGB) to Lab on the device and into <paramref name="flow"/>, in order.</summary>
    private static void Feed(ComputeDevice device, OpticalFlow flow, IEnumerable<byte[]> frames)
    {
        int w = flow.Comparison.Shape[3], h = flow.Comparison.Shape[2];
        using var rgb = device.Allocate<byte>("rgb", new Shape(1, h, w, 3));
        using var lab = device.Allocate<float>("lab", Shape.Nchw(1, 3, h, w));
        foreach (byte[] frame in frames)
        {
            rgb.Upload(frame);
            Engine.Ops.LabOps.SrgbBytesToLab(rgb, lab);
            flow.Next(lab);
        }
    }

    /// <summary>The stabiliser's flow of frame 1 to frame 0 of <paramref name="clip"/>, at full resolution in full-resolution pixels [2, H, W].</summary>
    public static float[] FlowOf(ComputeDevice device, MotionClip clip)
    {
        int w = clip.Width, h = clip.Height;
        using var flow = new OpticalFlow(device, w, h);
        Feed(device, flow, clip.Grey.Take(2));
        float[] low = flow.Flow.Download();
        int fw = flow.FlowWidth, fh = flow.FlowHeight;
        var full = new float[2 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double fx = (x + 0.5) * fw / w - 0.5, fy = (y + 0.5) * fh / h - 0.5;
                full[y * w + x] = (float)(ColorKernels.Kernels.Video.FlowReference.Sample(low, 0, fw, fh, fx, fy) * w / fw);
                full[w * h + y * w + x] = (float)(ColorKernels.Kernels.Video.FlowReference.Sample(low, 1, fw, fh, fx, fy) * h / fh);
            }
        return full;
    }
}
