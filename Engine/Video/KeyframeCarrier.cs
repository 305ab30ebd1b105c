using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Frames;
using ColorKernels.Engine.Imaging;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Video;

/// <summary>What each frame of a steered film gets: the hints carried to it, its shot's palette and reference colourizer (issue #40).</summary>
internal sealed class FilmSteering : IDisposable
{
    private readonly Dictionary<int, ColorHint[]> hints = new();
    private readonly List<(int First, int Last, ColorPalette Palette)> palettes = new();
    private readonly List<(int First, int Last, IColorizer Colorizer)> references = new();
    private readonly List<IColorizer> fitted = new();

    /// <summary>The hints carried to <paramref name="frame"/>, or null.</summary>
    public IReadOnlyList<ColorHint>? HintsAt(int frame) => hints.TryGetValue(frame, out ColorHint[]? h) ? h : null;

    /// <summary>The palette of <paramref name="frame"/>'s shot from a keyframe, or null (the run's own).</summary>
    public ColorPalette? PaletteAt(int frame) => At(palettes, frame);

    /// <summary>The colourizer fitted to <paramref name="frame"/>'s shot's reference photos, or null (the run's own).</summary>
    public IColorizer? ColorizerAt(int frame) => At(references, frame);

    private static T? At<T>(List<(int First, int Last, T Value)> spans, int frame) where T : class
    {
        foreach (var (first, last, value) in spans)
            if (frame >= first && frame <= last)
                return value;
        return null;
    }

    private readonly Dictionary<int, ImageData> colorFrames = new();
    private readonly Dictionary<int, IReadOnlyList<ImageData>> aligned = new();

    /// <summary>
    /// The reference pictures of a keyframe whose span starts on <paramref name="frame"/> (the shot's start for the
    /// shot's first reference, else the keyframe's own frame: where its model's colours begin, so lining up adds no
    /// step of its own), to line up with that frame (<see cref="MotionStabilizer"/>), or null.
    /// </summary>
    public IReadOnlyList<ImageData>? AlignAt(int frame) => aligned.TryGetValue(frame, out IReadOnlyList<ImageData>? p) ? p : null;

    internal void SetAlign(int frame, IReadOnlyList<ImageData> pictures) => aligned[frame] = pictures;

    /// <summary>The time the steering pass spent carrying colour frames' colours back (perf --filter film-steering-speed).</summary>
    public TimeSpan CarryingBack { get; set; }

    /// <summary>The colour picture a person gave of <paramref name="frame"/> (its colours taken as they are: <see cref="FilmKeyframe.ColorFrame"/>), or null.</summary>
    public ImageData? ColorFrameAt(int frame) => colorFrames.TryGetValue(frame, out ImageData? c) ? c : null;

    internal void SetColorFrame(int frame, ImageData colors) => colorFrames[frame] = colors;

    private readonly Dictionary<int, CarriedColors> carriedColors = new();

    /// <summary>A colour frame's colours carried back to <paramref name="frame"/> (an earlier frame of its shot), or null.</summary>
    public CarriedColors? CarriedColorsAt(int frame) => carriedColors.TryGetValue(frame, out CarriedColors? c) ? c : null;

    /// <summary>Frames holding carried colours (bounded by <see cref="KeyframeCarrier.MaxCarriedBackFrames"/>).</summary>
    public int CarriedColorFrames => carriedColors.Count;

    internal void SetCarriedColors(int frame, CarriedColors colors) => carriedColors[frame] = colors;

    /// <summary>Frames the carrying pass read (it stops once nothing more is carried).</summary>
    public int FramesRead { get; set; }

    internal void SetHints(int frame, ColorHint[] carried)
    {
        if (carried.Length > 0)
            hints[frame] = carried;
        else
            hints.Remove(frame);
    }

    private readonly HashSet<int> shotStarts = new();

    /// <summary>Whether a cut comes before <paramref name="frame"/> (among the frames the carrying pass read).</summary>
    public bool StartsShot(int frame) => shotStarts.Contains(frame);

    internal void MarkCut(int frame) => shotStarts.Add(frame);

    internal void AddPalette(int first, int last, ColorPalette palette) => palettes.Add((first, last, palette));

    internal void AddReference(int first, int last, IColorizer colorizer) => references.Add((first, last, colorizer));

    /// <summary>Keeps a colourizer fitted for the film, disposed with the steering.</summary>
    internal IColorizer Own(IColorizer colorizer)
    {
        fitted.Add(colorizer);
        return colorizer;
    }

    public void Dispose()
    {
        foreach (IColorizer c in fitted)
            c.Dispose();
        fitted.Clear();
    }
}

/// <summary>
/// A value that holds for spans of a shot (a palette, a reference colourizer): set by a keyframe, it holds from
/// there (from the shot's start for the shot's first) to the next keyframe that sets one or the shot's end.
/// </summary>
internal sealed class ShotSpans<T>(Action<int, int, T> add) where T : class
{
    private (int First, T Value)? open;
    private bool shotHasOne;

    public bool IsOpen => open is not null;

    /// <summary>A keyframe on frame <paramref name="t"/> sets <paramref name="value"/>; the shot started at <paramref name="shotStart"/>. Returns the frame its span starts on.</summary>
    public int Set(int t, int shotStart, T value)
    {
        if (open is { } o)
            add(o.First, t - 1, o.Value);
        int first = shotHasOne ? t : shotStart;
        open = (first, value);
        shotHasOne = true;
        return first;
    }

    /// <summary>A cut before frame <paramref name="t"/>: the open span ends at t - 1.</summary>
    public void Cut(int t)
    {
        if (open is { } o)
            add(o.First, t - 1, o.Value);
        open = null;
        shotHasOne = false;
    }

    /// <summary>The film's end: the open span holds to it.</summary>
    public void End()
    {
        if (open is { } o)
            add(o.First, int.MaxValue, o.Value);
        open = null;
    }
}

/// <summary>
/// A colour frame's colours carried back to an earlier frame of its shot, at the flow's resolution: per pixel a weight
/// (how much of them to take: the carry's decay, 0 where the point was lost) and a and b, held as halves (a film may
/// hold many: <see cref="KeyframeCarrier.MaxCarriedBackFrames"/>).
/// </summary>
internal sealed class CarriedColors(int width, int height, Half[] planes)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    /// <summary>Weight, a, b: [3, Height, Width].</summary>
    public Half[] Planes { get; } = planes;

    /// <summary>Blends a frame's Lab [1, 3, H, W] toward these colours: resized bilinearly to it on the device, then <see cref="TemporalOps.BlendAb"/>.</summary>
    public void BlendInto(ComputeDevice device, Tensor<float> lab)
    {
        using Tensor<float> low = device.Upload("carried.low", Shape.Nchw(1, 3, Height, Width), Planes.Select(h => (float)h).ToArray());
        using Tensor<float> full = device.Allocate<float>("carried.full", lab.Shape);
        ResampleOps.ResizeBilinear(low, 0, 3, full, 0);
        TemporalOps.BlendAb(lab, full, 1f);
    }
}

/// <summary>
/// Carries a film's keyframe hints along its motion, before the film is coloured (issue #40): one pass over the
/// frames' L computes the same dense optical flow and the same cut test as the motion stabiliser
/// (<see cref="OpticalFlow"/>, <see cref="MotionStabilizer"/>), and moves each hint's centre from frame to frame.
/// Forward (to later frames), the flow is backward (where each pixel of frame t was in t-1), so a point p is
/// found where x + f(x) = p, by fixed-point steps x = p - f(x) from x = p - f(p); it is dropped where no
/// such x is found (the residual stays over a pixel: the point was covered), where x leaves the picture, or
/// where its L (at the flow's resolution) moved more than <see cref="VideoOptions.Threshold"/> from the frame
/// before, or twice that from the keyframe (it slid onto something else), each brought to the frame's tone first
/// (<see cref="OpticalFlow.Tone"/>: old film's exposure flicker moves a whole frame's L, issue #41). Backward (to earlier frames of the
/// shot, from its first keyframe only) the flow is applied directly: p moves to p + f(p), with the same tests.
/// Nothing crosses a cut; a shot's next keyframe replaces the carried points. The pass keeps the flow and L of
/// at most <see cref="MaxBackwardFrames"/> frames of the current shot (bounded memory; hints reach no further
/// back), and stops once past the last keyframe with nothing left to carry. The hint's square keeps its size.
/// </summary>
internal static class KeyframeCarrier
{
    /// <summary>How far back before its keyframe a shot's first keyframe reaches (8 s at 25 frames/s; ~90 MB at a 16:9 flow).</summary>
    public const int MaxBackwardFrames = 200;

    /// <summary>
    /// How many earlier frames a film's colour frames may colour by carrying their colours back, in all (each holds a
    /// weight and ab at the flow's resolution as halves: ~86 kB at 720p, ~190 kB at 1080p, so ~190 MB at most there); colour frames past it
    /// carry forward only. Each reaches back at most <see cref="MaxBackwardFrames"/> within its shot.
    /// </summary>
    public const int MaxCarriedBackFrames = 1000;

    /// <summary>
    /// A key for <paramref name="pictures"/>' content (sizes and pixels, SHA-256), beside paths in one table: it starts
    /// with a NUL, which no path holds.
    /// </summary>
    internal static string ContentKey(IReadOnlyList<ImageData> pictures)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (ImageData p in pictures)
        {
            hash.AppendData(BitConverter.GetBytes(p.Width));
            hash.AppendData(BitConverter.GetBytes(p.Height));
            hash.AppendData(BitConverter.GetBytes(p.SixteenBit ? 16 : 8));
            if (p.Rgb8 is { } rgb)
                hash.AppendData(rgb);
            else
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.RgbPlanar.AsSpan()));
            hash.AppendData(BitConverter.GetBytes(p.Alpha16 is null ? 0 : 1));
        }
        return "\0" + Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The fixed-point steps that invert the backward flow for a forward carry.</summary>
    private const int InverseSteps = 6;

    /// <summary>Full-resolution pixels the inverted flow may miss its point by (more: the point was covered).</summary>
    private const double InverseTolerance = 1.0;

    private struct Point
    {
        public double X, Y;
        public float A, B;
        public int Size;
        public double KeyL, LastL;
    }

    /// <summary>A frame of the shot being carried: its L and backward flow at the flow's resolution, its tone against the frame before, and the window mismatch its points may have (<see cref="MismatchLimit"/>).</summary>
    private sealed record Shot(float[] Grey, float[]? U, float[]? V, (float Gain, float Offset) Tone = default, double MismatchLimit = 0);

    /// <summary>
    /// How many times the frame's motion-compensated difference (<see cref="OpticalFlow.MotionCompensatedDifference"/>:
    /// the mean |dL| left once motion and tone are taken out, the frame's noise) a point's window may mismatch by and
    /// still be carried, when that is more than half the release threshold (the rule on a clean film), up to the whole
    /// threshold (a window that differs on average by more than a pixel may before its colour is released is no match,
    /// however noisy the frame). As the stabiliser's blend tolerates the frame's noise
    /// (<see cref="MotionStabilizer.ToleranceFactor"/>, 2), so does the carrier: on the house cat plate's real exposures
    /// (tests/Frames/RealFilmTests.cs) the frames differ by 2.3-5.6 L units after motion and tone, and the fixed half
    /// threshold (5) dropped the cat's hints one by one at window mismatches mostly of 5 to 8 (all gone by frame 18;
    /// with this, 2 of 3 still carried at frame 23). Where a frame differs by under 2.5 the rule is as before: the
    /// film-steering bench's synthetic old film gave the same numbers to the digit (docs/hints.md).
    /// </summary>
    internal const double NoiseFactor = 2;

    /// <summary>The window mismatch a point may have on a frame whose motion-compensated difference is <paramref name="difference"/>.</summary>
    private static double MismatchLimit(float threshold, double difference) =>
        Math.Max(threshold / 2.0, double.IsFinite(difference) ? Math.Min(NoiseFactor * difference, threshold) : 0);

    /// <summary>
    /// Reads <paramref name="source"/> to the end of the last keyframe's carrying and returns each frame's
    /// steering. A keyframe past the frames read, or a hint outside them, is a user error naming it.
    /// </summary>
    public static FilmSteering Carry(ComputeDevice device, IFrameSource source, IReadOnlyList<PlacedKeyframe> keyframes, VideoOptions options, CancellationToken cancel)
    {
        var steering = new FilmSteering();
        var palettes = new ShotSpans<ColorPalette>(steering.AddPalette);
        var references = new ShotSpans<IColorizer>(steering.AddReference);
        var fits = new Dictionary<string, IColorizer>(StringComparer.Ordinal);
        // A keyframe's reference photos are also lined up with its frame (MotionStabilizer.BlendAligned): read once per
        // set, for its fit and its lining up alike.
        var loaded = new Dictionary<string, ReferencePhotos>(StringComparer.Ordinal);
        // Pictures in memory (a keyframes file's data URLs: the web page writes the same picture on every keyframe it
        // was given to) are fitted once per content, as named photos are once per set of paths.
        IColorizer FitOnce(IReadOnlyList<ImageData> pictures)
        {
            string key = ContentKey(pictures);
            if (!fits.TryGetValue(key, out IColorizer? fitted))
                fits[key] = fitted = steering.Own(Colorizer.Open(device, ReferenceColorizer.FitPictures(device, pictures, options.ReferenceSteps, options.ReferenceHidden)));
            return fitted;
        }
        int last = keyframes.Max(k => k.Frame), next = 0;
        OpticalFlow? flow = null;
        Tensor<float>? lab = null;
        try
        {
            var shot = new List<Shot>();   // the current shot's frames, newest last (at most MaxBackwardFrames + 1)
            int shotStart = 0, shotFirstKept = 0;
            bool shotHasKeyframe = false;
            int shotColorFrame = -1;   // the current shot's last colour frame, or -1
            Point[] active = Array.Empty<Point>();
            int width = 0, height = 0;
            int t = 0;
            for (; ; t++)
            {
                cancel.ThrowIfCancellationRequested();
                // Past the last keyframe with nothing carried and no palette open: the rest of the film gets nothing.
                if (t > last && active.Length == 0 && !palettes.IsOpen && !references.IsOpen)
                    break;
                SourceFrame? frame = source.Next(cancel);
                if (frame is null)
                    break;
                ImageData image = frame.Image;
                if (flow is null)
                {
                    width = image.Width;
                    height = image.Height;
                    foreach (PlacedKeyframe k in keyframes)
                    {
                        KeyframePlacement.CheckHints(k.Keyframe, width, height, $"keyframe {k.Index}");
                        KeyframePlacement.CheckColorFrame(k.Keyframe, width, height, $"keyframe {k.Index}");
                    }
                    flow = new OpticalFlow(device, width, height, new FlowSettings { NoiseAtFrame = false });
                    lab = device.Allocate<float>("keyframes.lab", Shape.Nchw(1, 3, height, width));
                }
                LabOps.ImageToLab(device, image, lab!);
                bool cut = !flow.Next(lab!) || flow.MotionCompensatedDifference() > options.CutThreshold * 100.0 / 255;
                float[] grey = flow.Grey.Download();
                int fw = flow.FlowWidth, fh = flow.FlowHeight;
                var sampler = new Sampler(width, height, fw, fh);
                if (cut)
                {
                    steering.MarkCut(t);
                    palettes.Cut(t);
                    references.Cut(t);
                    shot.Clear();
                    shotStart = shotFirstKept = t;
                    shotHasKeyframe = false;
                    shotColorFrame = -1;
                    active = Array.Empty<Point>();
                    shot.Add(new Shot(grey, null, null));
                }
                else
                {
                    float[] uv = flow.Flow.Download();
                    int n = fw * fh;
                    float[] u = uv[..n], v = uv[n..];
                    double mismatchLimit = MismatchLimit(options.Threshold, flow.MotionCompensatedDifference());
                    shot.Add(new Shot(grey, u, v, flow.Tone, mismatchLimit));
                    if (shot.Count > MaxBackwardFrames + 1)
                    {
                        shot.RemoveAt(0);
                        shotFirstKept++;
                    }
                    // On a grainy frame the dense flow is noisy where the picture is flat: a point may follow the frame's
                    // motion as a whole instead (Forward), unless the flow already is that motion (FlowSettings.FrameMotionOnGrain).
                    active = Forward(active, sampler, u, v, shot[^2].Grey, grey, flow.Tone, options.Threshold, mismatchLimit, flow.Grainy, flow.FollowsFrameMotion ? null : flow.FrameMotion);
                }
                while (next < keyframes.Count && keyframes[next].Frame == t)
                {
                    FilmKeyframe k = keyframes[next].Keyframe;
                    // A keyframe with hints replaces the points carried so far; one with only a palette leaves them.
                    if (k.Hints.Count > 0)
                    {
                        active = k.Hints.Select(h =>
                        {
                            double l = sampler.Grey(grey, h.X, h.Y);
                            return new Point { X = h.X, Y = h.Y, A = h.A, B = h.B, Size = h.Size, KeyL = l, LastL = l };
                        }).ToArray();
                        if (!shotHasKeyframe)
                            Backward(active, shot, shotFirstKept, t, sampler, options.Threshold, steering);
                        shotHasKeyframe = true;
                    }
                    ColorPalette? palette = k.Palette
                        ?? (k.PalettePhoto is { } photo ? ColorPalette.FromImage(device, photo) with { Strength = k.PalettePhotoStrength } : null);
                    if (palette is not null)
                        palettes.Set(t, shotStart, palette);
                    if (k.ColorFrame is { } colors)
                    {
                        steering.SetColorFrame(t, colors);
                        // A colour frame also colours the frames before it, carried back along the motion: to the shot's
                        // start, or, after another colour frame of the shot, to it, taking over from its forward carry
                        // gradually (with the stabiliser only: without it a colour frame colours its own frame alone).
                        if (options.Stabilize)
                        {
                            long started = System.Diagnostics.Stopwatch.GetTimestamp();
                            CarryColorsBack(device, flow, lab!, colors, shot, Math.Max(shotFirstKept, shotColorFrame), shotColorFrame >= 0, t, options, steering);
                            steering.CarryingBack += System.Diagnostics.Stopwatch.GetElapsedTime(started);
                        }
                        shotColorFrame = t;
                        // The rest of the shot is coloured like the colour frame where its colours do not reach (what
                        // enters later, and the frames before it): a SOM + MLP model fitted to it, held as a named
                        // reference is (from the shot's start if no keyframe before set one), unless the keyframe names references.
                        if (k.ReferencePhotos is null && k.ReferencePictures is null)
                            references.Set(t, shotStart, FitOnce(new[] { colors }));
                    }
                    if (k.ReferencePhotos is { } photos)
                    {
                        // One fit per set of photos per film, on this device.
                        string key = string.Join("\n", photos);
                        bool align = k.ColorFrame is null && options.Stabilize;
                        if (!loaded.TryGetValue(key, out ReferencePhotos? read))
                        {
                            read = new ReferencePhotos(photos, options.MaxPixels);
                            if (align)
                                loaded[key] = read;
                        }
                        if (!fits.TryGetValue(key, out IColorizer? reference))
                        {
                            var (model, _) = ReferenceColorizer.FitPhotos(device, read, null, options.ReferenceSteps, null,
                                skipped => throw new UserErrorException($"keyframe {keyframes[next].Index} ({k}): reference {skipped}"), options.ReferenceHidden);
                            fits[key] = reference = steering.Own(Colorizer.Open(device, model));
                        }
                        int first = references.Set(t, shotStart, reference);
                        if (align)
                            steering.SetAlign(first, read.Pictures);
                    }
                    else if (k.ReferencePictures is { } pictures)
                    {
                        int first = references.Set(t, shotStart, FitOnce(pictures));
                        if (k.ColorFrame is null && options.Stabilize)
                            steering.SetAlign(first, pictures);
                    }
                    next++;
                }
                steering.SetHints(t, Hints(active, width, height));
            }
            palettes.End();
            references.End();
            if (next < keyframes.Count)
            {
                PlacedKeyframe missed = keyframes[next];
                throw new UserErrorException($"keyframe {missed.Index} ({missed.Keyframe}): past the film's end (it has {t} frames, 0 to {t - 1})");
            }
            steering.FramesRead = t;
            return steering;
        }
        catch
        {
            steering.Dispose();
            throw;
        }
        finally
        {
            flow?.Dispose();
            lab?.Dispose();
        }
    }

    /// <summary>
    /// The points of frame t-1 (<paramref name="before"/>) moved to frame t (<paramref name="grey"/>; <paramref name="u"/>, <paramref name="v"/>: its
    /// backward flow; <paramref name="tone"/>: frame t's L against t-1's along it, <see cref="OpticalFlow.Tone"/>); those the flow loses are dropped.
    /// On a <paramref name="noisy"/> frame (grain: <see cref="OpticalFlow.Grainy"/>), where the dense flow is noisy too, a
    /// point whose place the inverted flow does not find within <see cref="InverseTolerance"/> is not dropped for that
    /// alone: it is taken from the step nearest to it and kept only if its own window matches there at half the usual
    /// mismatch (on the film-steering bench's 48-frame clips made old, the hints carried to the last frame 0 / 2 / 1 ->
    /// 2 / 4 / 3, last-frame PSNR +1.1 / +2.2 / +0.8 dB; docs/hints.md). Under grain a flat window's dense flow
    /// wanders by pixels a frame (on a 48-frame zoom made old, carried points jumped 30 to 50 pixels in one step, and
    /// chained over the shot that lost or misplaced a third of them). Where the frame's motion as a whole explains the
    /// frame, the flow already is that motion (<see cref="FlowSettings.FrameMotionOnGrain"/>); where it does not (a moving
    /// object) and the dense flow is kept, <paramref name="motion"/> (<see cref="OpticalFlow.FrameMotion"/>) places each
    /// point too, and that place, refined by its window, is taken unless the dense flow's matches <see cref="ByFlowBetter"/>
    /// times better; a point the frame's motion takes out of the picture is dropped. On the 12-frame moving object under
    /// grain this carried 96 % of the visible points (88 % without), 96 % of them on their colour (98 %).
    /// </summary>
    private static Point[] Forward(Point[] points, Sampler s, float[] u, float[] v, float[] before, float[] grey, (float Gain, float Offset) tone, float threshold, double mismatchLimit, bool noisy,
        GlobalMotion? motion)
    {
        var kept = new List<Point>(points.Length);
        foreach (Point p in points)
        {
            Point? byMotion = null;
            double motionMismatch = double.PositiveInfinity;
            if (motion is { } m)
            {
                var (qx, qy) = s.ToFlow(p.X, p.Y);
                var (x, y) = s.FromFlow(m.Forward(qx, qy));
                if (!(x >= 0 && y >= 0 && x <= s.Width - 1 && y <= s.Height - 1))
                    continue;
                byMotion = Moved(p, x, y, s, before, grey, tone, threshold, mismatchLimit, out motionMismatch);
            }
            Point? byFlow = AlongFlow(p, out double flowMismatch);
            if (byMotion is { } q && (byFlow is null || motionMismatch <= flowMismatch * ByFlowBetter))
                kept.Add(q);
            else if (byFlow is { } f)
                kept.Add(f);
        }
        return kept.ToArray();

        // The point's place by the dense flow: the backward flow inverted by fixed-point steps.
        Point? AlongFlow(Point p, out double mismatch)
        {
            mismatch = double.PositiveInfinity;
            var (fu, fv) = s.Flow(u, v, p.X, p.Y);
            double x = p.X - fu, y = p.Y - fv;
            double bestX = x, bestY = y, best = double.PositiveInfinity;
            for (int i = 0; i <= InverseSteps; i++)
            {
                (fu, fv) = s.Flow(u, v, x, y);
                double miss = Math.Abs(x + fu - p.X) + Math.Abs(y + fv - p.Y);
                if (miss < best)
                    (bestX, bestY, best) = (x, y, miss);
                if (i < InverseSteps)
                    (x, y) = (p.X - fu, p.Y - fv);
            }
            double limit = mismatchLimit;
            if (Math.Abs(x + fu - p.X) + Math.Abs(y + fv - p.Y) > InverseTolerance)
            {
                if (!noisy)
                    return null;
                (x, y) = (bestX, bestY);
                limit = mismatchLimit / 2;
            }
            return Moved(p, x, y, s, before, grey, tone, threshold, limit, out mismatch);
        }
    }

    /// <summary>
    /// On a grainy frame, how many times better (lower window mismatch) the dense flow's place must match for a point to be
    /// taken there rather than where the frame's motion puts it: two places on a flat grainy window differ by about a
    /// tenth by chance. Measured on FilmKeyframeTests' old-film clips (2026-12-07, fourth session, before the flow itself
    /// followed the frame's motion): 1.1, 1.2, 1.3 and 1.6 within 1.5 % of each other in the points on their colour, 1.3
    /// among the best on the 48-frame zoom.
    /// </summary>
    private const double ByFlowBetter = 1.3;

    /// <summary>
    /// The keyframe's points carried back through the kept frames of its shot (<paramref name="shot"/>, the
    /// keyframe last, the first at <paramref name="firstKept"/>), each earlier frame's hints set on the way.
    /// </summary>
    private static void Backward(Point[] points, List<Shot> shot, int firstKept, int keyframe, Sampler s, float threshold, FilmSteering steering)
    {
        for (int t = keyframe; t > firstKept && points.Length > 0; t--)
        {
            Shot now = shot[t - firstKept], before = shot[t - 1 - firstKept];
            var kept = new List<Point>(points.Length);
            foreach (Point p in points)
            {
                var (fu, fv) = s.Flow(now.U!, now.V!, p.X, p.Y);
                // Frame t's L is Gain x frame t-1's + Offset along the flow, so t-1's is (L - Offset) / Gain of t's.
                if (Moved(p, p.X + fu, p.Y + fv, s, now.Grey, before.Grey, Inverse(now.Tone), threshold, now.MismatchLimit) is { } q)
                    kept.Add(q);
            }
            points = kept.ToArray();
            steering.SetHints(t - 1, Hints(points, s.Width, s.Height));
        }
    }

    /// <summary>
    /// The colour frame of <paramref name="keyframe"/> carried back to the earlier frames of its shot (at most
    /// <see cref="MaxBackwardFrames"/>, and <see cref="MaxCarriedBackFrames"/> for the film), dense, at the flow's
    /// resolution: a point y of frame s - 1 is where x of frame s was (x + f_s(x) = y, found by fixed-point steps
    /// x = y - f_s(x)), and takes x's colour and weight times <see cref="VideoOptions.ColorFrameStrength"/>; its weight
    /// is 0 where no such x is found (within half a flow pixel: y was covered in frame s), where x leaves the picture,
    /// or where L moved more than <see cref="VideoOptions.Threshold"/> between them (frame s's L against frame s - 1's
    /// at the tone the flow fitted, so a flickering frame still matches). Stops where nothing is left, and at
    /// <paramref name="stop"/>: with <paramref name="afterColorFrame"/> that is the shot's colour frame before (or
    /// the first frame kept, if that one lies further back), whose colours the stabiliser carries forward, and the
    /// weights stored fall linearly to it ((s - stop) / (keyframe - stop)), so the film passes from the one to the
    /// other instead of stepping at this keyframe.
    /// </summary>
    private static void CarryColorsBack(ComputeDevice device, OpticalFlow flow, Tensor<float> lab, ImageData colors, List<Shot> shot, int stop, bool afterColorFrame,
        int keyframe, VideoOptions options, FilmSteering steering)
    {
        int firstKept = keyframe - (shot.Count - 1), lowest = stop + (afterColorFrame ? 1 : 0);
        if (keyframe - 1 < lowest)
            return;
        int w = flow.FlowWidth, h = flow.FlowHeight, n = w * h;
        LabOps.ImageToLab(device, colors, lab);
        float[] a = flow.Reduce(lab, 1), b = flow.Reduce(lab, 2), weight = new float[n];
        Array.Fill(weight, 1f);
        for (int t = keyframe; t > lowest && steering.CarriedColorFrames < MaxCarriedBackFrames; t--)
        {
            Shot now = shot[t - firstKept], before = shot[t - 1 - firstKept];
            var (gain, offset) = now.Tone;
            float[] u = now.U!, v = now.V!;
            float[] na = new float[n], nb = new float[n], nw = new float[n];
            bool any = false;
            for (int p = 0; p < n; p++)
            {
                double px = p % w, py = p / w, x = px, y = py;
                for (int i = 0; i < InverseSteps; i++)
                {
                    double cx = Math.Clamp(x, 0, w - 1), cy = Math.Clamp(y, 0, h - 1);
                    (x, y) = (px - OpticalFlow.Bilinear(u, w, h, cx, cy), py - OpticalFlow.Bilinear(v, w, h, cx, cy));
                }
                if (!(x >= 0 && y >= 0 && x <= w - 1 && y <= h - 1))
                    continue;
                if (Math.Abs(x + OpticalFlow.Bilinear(u, w, h, x, y) - px) + Math.Abs(y + OpticalFlow.Bilinear(v, w, h, x, y) - py) > 0.5)
                    continue;
                if (Math.Abs(OpticalFlow.Bilinear(now.Grey, w, h, x, y) - (gain * before.Grey[p] + offset)) > options.Threshold)
                    continue;
                nw[p] = (float)(options.ColorFrameStrength * OpticalFlow.Bilinear(weight, w, h, x, y));
                na[p] = (float)OpticalFlow.Bilinear(a, w, h, x, y);
                nb[p] = (float)OpticalFlow.Bilinear(b, w, h, x, y);
                any |= nw[p] > 0;
            }
            if (!any)
                break;
            (weight, a, b) = (nw, na, nb);
            var planes = new Half[3 * n];
            double ramp = afterColorFrame ? (t - 1 - stop) / (double)(keyframe - stop) : 1;
            for (int p = 0; p < n; p++)
                (planes[p], planes[n + p], planes[2 * n + p]) = ((Half)(ramp * weight[p]), (Half)a[p], (Half)b[p]);
            steering.SetCarriedColors(t - 1, new CarriedColors(w, h, planes));
        }
    }

    /// <summary>
    /// The point of <paramref name="from"/> found in <paramref name="to"/> near the flow's guess (x, y): refined by
    /// Lucas-Kanade on a window around it (<see cref="Refine"/>: the dense flow's 5 x 5 windows and median drift by
    /// pixels a frame on weak texture; one window of 9 x 9 matched point to point holds), or null where it leaves
    /// the picture, its window no longer matches (mean |L - L'| over <paramref name="mismatchLimit"/>: <see cref="MismatchLimit"/>), or its L
    /// moved more than <paramref name="threshold"/> from the frame before or twice that from the keyframe; L' and the
    /// earlier L are brought to <paramref name="to"/>'s tone first (<paramref name="tone"/>: to ~ Gain from + Offset).
    /// </summary>
    private static Point? Moved(Point p, double x, double y, Sampler s, float[] from, float[] to, (float Gain, float Offset) tone, float threshold, double mismatchLimit) =>
        Moved(p, x, y, s, from, to, tone, threshold, mismatchLimit, out _);

    /// <summary>As the overload above, also giving the window's mismatch at the place found (infinity where none is).</summary>
    private static Point? Moved(Point p, double x, double y, Sampler s, float[] from, float[] to, (float Gain, float Offset) tone, float threshold, double mismatchLimit, out double mismatch)
    {
        mismatch = double.PositiveInfinity;
        if (!(x >= 0 && y >= 0 && x <= s.Width - 1 && y <= s.Height - 1))
            return null;
        var (q0x, q0y) = s.ToFlow(p.X, p.Y);
        var (q1x, q1y) = s.ToFlow(x, y);
        if (Refine(from, to, tone, s.FlowWidth, s.FlowHeight, q0x, q0y, ref q1x, ref q1y) is not { } found || found > mismatchLimit)
            return null;
        (x, y) = s.FromFlow(q1x, q1y);
        if (!(x >= 0 && y >= 0 && x <= s.Width - 1 && y <= s.Height - 1))
            return null;
        // The point's L before and on its keyframe, brought to this frame's tone (exposure flicker scales and shifts
        // a whole frame's L: compared raw, a fifth of the points were dropped on a flickering pan).
        double l = s.Grey(to, x, y), last = tone.Gain * p.LastL + tone.Offset, key = tone.Gain * p.KeyL + tone.Offset;
        if (Math.Abs(l - last) > threshold || Math.Abs(l - key) > 2 * threshold)
            return null;
        mismatch = found;
        return p with { X = x, Y = y, LastL = l, KeyL = key };
    }

    /// <summary>The tone map from frame t to frame t-1, given t's against t-1's (L_t = Gain L_(t-1) + Offset).</summary>
    private static (float Gain, float Offset) Inverse((float Gain, float Offset) tone) => (1f / tone.Gain, -tone.Offset / tone.Gain);

    /// <summary>Half side of the window a point is matched on (9 x 9 at the flow's resolution).</summary>
    private const int Window = 4;

    /// <summary>
    /// Lucas-Kanade for one point (translation): moves (q1x, q1y) in <paramref name="to"/> so that the window around
    /// it matches <paramref name="from"/>'s around (q0x, q0y), by Gauss-Newton steps d = -(sum g g^T)^-1 sum g e
    /// (g the gradient of <paramref name="to"/>, e the difference from <paramref name="from"/> at <paramref name="to"/>'s tone), at most 8 steps of at most 2 pixels. A flat
    /// window (the structure tensor's smaller eigenvalue under 1 per pixel, in L units squared) keeps the
    /// flow's place. Returns the window's mean |e| after, or null when most of the window is outside.
    /// </summary>
    private static double? Refine(float[] from, float[] to, (float Gain, float Offset) tone, int w, int h, double q0x, double q0y, ref double q1x, ref double q1y)
    {
        double mismatch = 0;
        for (int step = 0; step <= 8; step++)
        {
            double a = 0, b = 0, c = 0, ex = 0, ey = 0, sum = 0;
            int n = 0;
            for (int dy = -Window; dy <= Window; dy++)
                for (int dx = -Window; dx <= Window; dx++)
                {
                    double x0 = q0x + dx, y0 = q0y + dy, x1 = q1x + dx, y1 = q1y + dy;
                    if (x0 < 0 || y0 < 0 || x0 > w - 1 || y0 > h - 1 || x1 < 0.5 || y1 < 0.5 || x1 > w - 1.5 || y1 > h - 1.5)
                        continue;
                    double e = OpticalFlow.Bilinear(to, w, h, x1, y1) - (tone.Gain * OpticalFlow.Bilinear(from, w, h, x0, y0) + tone.Offset);
                    double gx = OpticalFlow.Bilinear(to, w, h, x1 + 0.5, y1) - OpticalFlow.Bilinear(to, w, h, x1 - 0.5, y1);
                    double gy = OpticalFlow.Bilinear(to, w, h, x1, y1 + 0.5) - OpticalFlow.Bilinear(to, w, h, x1, y1 - 0.5);
                    a += gx * gx;
                    b += gx * gy;
                    c += gy * gy;
                    ex += gx * e;
                    ey += gy * e;
                    sum += Math.Abs(e);
                    n++;
                }
            if (n < (2 * Window + 1) * (2 * Window + 1) / 2)
                return null;
            mismatch = sum / n;
            double smaller = (a + c - Math.Sqrt((a - c) * (a - c) + 4 * b * b)) / 2;
            if (step == 8 || smaller < n)
                break;
            double det = a * c - b * b;
            double du = Math.Clamp(-(c * ex - b * ey) / det, -2, 2), dv = Math.Clamp(-(a * ey - b * ex) / det, -2, 2);
            q1x += du;
            q1y += dv;
            if (Math.Abs(du) + Math.Abs(dv) < 0.01)
                break;
        }
        return mismatch;
    }

    private static ColorHint[] Hints(Point[] points, int width, int height) => points
        .Select(p => new ColorHint(Math.Clamp((int)Math.Round(p.X), 0, width - 1), Math.Clamp((int)Math.Round(p.Y), 0, height - 1), p.A, p.B, p.Size))
        .ToArray();

    /// <summary>
    /// Samples flow-resolution planes at full-resolution places, as the stabiliser's kernel does: pixel centres
    /// line up ((x + 0.5) r - 0.5, r the flow's width over the frame's), flow values are scaled back to full pixels.
    /// </summary>
    private readonly record struct Sampler(int Width, int Height, int FlowWidth, int FlowHeight)
    {
        private double Rx => (double)FlowWidth / Width;

        private double Ry => (double)FlowHeight / Height;

        private (double X, double Y) At(double x, double y) =>
            (Math.Clamp((x + 0.5) * Rx - 0.5, 0, FlowWidth - 1), Math.Clamp((y + 0.5) * Ry - 0.5, 0, FlowHeight - 1));

        /// <summary>A full-resolution place at the flow's resolution (unclamped).</summary>
        public (double X, double Y) ToFlow(double x, double y) => ((x + 0.5) * Rx - 0.5, (y + 0.5) * Ry - 0.5);

        /// <summary>A place at the flow's resolution back at full resolution.</summary>
        public (double X, double Y) FromFlow(double x, double y) => ((x + 0.5) / Rx - 0.5, (y + 0.5) / Ry - 0.5);

        public (double X, double Y) FromFlow((double X, double Y) place) => FromFlow(place.X, place.Y);

        public double Grey(float[] grey, double x, double y)
        {
            var (fx, fy) = At(x, y);
            return OpticalFlow.Bilinear(grey, FlowWidth, FlowHeight, fx, fy);
        }

        public (double U, double V) Flow(float[] u, float[] v, double x, double y)
        {
            var (fx, fy) = At(x, y);
            return (OpticalFlow.Bilinear(u, FlowWidth, FlowHeight, fx, fy) / Rx, OpticalFlow.Bilinear(v, FlowWidth, FlowHeight, fx, fy) / Ry);
        }
    }
}
