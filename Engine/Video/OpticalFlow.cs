using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;

namespace ColorKernels.Engine.Video;

/// <summary>How dense optical flow is computed (see <see cref="OpticalFlow"/>); the defaults were chosen on the pan, zoom and moving-object clips of tests/Fixtures/motion (docs/motion.md).</summary>
internal sealed record FlowSettings
{
    /// <summary>Frames are halved until at most this wide: the flow's resolution (colour is smooth, so a reduced flow is enough).</summary>
    public int MaxWidth { get; init; } = 256;

    /// <summary>Pyramid levels above the flow's resolution (each half the size), while both sides stay at least 8.</summary>
    public int Levels { get; init; } = 3;

    /// <summary>Lucas-Kanade steps per level.</summary>
    public int Iterations { get; init; } = 3;

    /// <summary>The window's half side (a 5 x 5 window for 2).</summary>
    public int Radius { get; init; } = 2;

    /// <summary>
    /// The window's half side once the two frames before were grainy (<see cref="OpticalFlow.Grainy"/>: a film's grain is
    /// in every frame, while a scene cut makes one frame look grainy): a 9 x 9 window averages grain that a 5 x 5 one
    /// fits. Measured on the old-film clips (docs/motion.md): the dense flow's mean endpoint error on a grainy pan 1.29 ->
    /// 0.98 px, the stabiliser's short-term warping lower on eleven of twelve clips (up to 9 %), the moving objects' too.
    /// Clean films never switch (the same bits); a grainy film's flow sums 81 pixels a window instead of 25.
    /// </summary>
    public int GrainRadius { get; init; } = 4;

    /// <summary>Added to the structure tensor's diagonal (L units squared, summed over the window): flat places keep the coarser flow.</summary>
    public float Damping { get; init; } = 1f;

    /// <summary>
    /// The comparison L's window half side (<see cref="OpticalFlow.Comparison"/>): 0 compares L itself; 1, a 3 x 3
    /// mean (grain's spread a third). Measured on the old-film clips (docs/motion.md): 1 took the held-out clips'
    /// warping error from 0.40 to 0.37 of per-frame's on the pan, the same on the car clips (where grain's floor
    /// rules), but raised the fixed-pixel flicker of the encoded pan fixture above per-frame's (0.64 against 0.61,
    /// VideoCliTests): colours that follow a pan change at a fixed pixel. So 0.
    /// </summary>
    public int ToneRadius { get; init; } = 0;

    /// <summary>Whether frames are compared after fitting the newest frame's L to the one before's along the flow (a gain and an offset: exposure flicker).</summary>
    public bool MatchTone { get; init; } = true;

    /// <summary>
    /// Whether a frame whose tone moved (<see cref="OpticalFlow.Tone"/> fitted along the first flow, off none by more
    /// than 1 %) has its flow solved again against the frame before brought to its mean and spread of L, and its tone
    /// fitted again: Lucas-Kanade assumes constant brightness, and old film's exposure flicker scales a whole frame's L
    /// by up to a fifth (issue #41): on a flickering pan the frames whose tone moved had a mean endpoint error of 14.4
    /// pixels, 1.1 with it (MotionStabilityTests). A frame whose tone did not move gets the same flow as without it, so
    /// clean films are unchanged. Measured on the old-film clips (docs/motion.md): the stabiliser's short-term warping
    /// error down on all twelve, by a third to a half on the books and parrot ones; the keyframe carrier's hints followed
    /// 72 % of a flickering pan's visible points without it, 88 % with it (FilmKeyframeTests). Lining a reference picture
    /// up with a frame (<see cref="MotionStabilizer"/>) leaves it off, as it was measured.
    /// </summary>
    public bool MatchToneBeforeFlow { get; init; } = true;

    /// <summary>
    /// Whether a grainy frame's flow (<see cref="OpticalFlow.NoisyFrame"/>) is replaced by the frame's motion as a whole
    /// (<see cref="GlobalMotion"/>: one affine map fitted robustly to the dense flow) where that explains the frame
    /// nearly as well: a motion-compensated difference at most <see cref="OpticalFlow.FrameMotionExplains"/> times the
    /// dense flow's. Under grain Lucas-Kanade fits the grain too: on flat places its flow is wrong by pixels, yet it
    /// explains the frame better than the true motion does (on the old-film clips' camera moves the map leaves up to
    /// 61 % more, medians 7-32 %; on their moving objects, which one map cannot follow, 57-147 % more). Measured on
    /// OldFilmTests' clips (docs/motion.md): the stabiliser's short-term warping error down by 8-21 % on every pan and
    /// zoom (2-4 % on the car photo's, at their 8-bit floor), the moving objects unchanged; clean frames are not grainy
    /// and unchanged. Only the flow is replaced: <see cref="OpticalFlow.Tone"/> and the differences stay the dense
    /// flow's (the cut test's); the blend compares along the flow it carries colour along (<see cref="OpticalFlow.BlendTone"/>).
    /// Lining a reference picture up with a frame (<see cref="MotionStabilizer"/>) leaves it off, as it was measured.
    /// </summary>
    public bool FrameMotionOnGrain { get; init; } = true;

    /// <summary>The fitted gain's bounds (1 / this to this): a frame is taken as at most this much brighter or darker than the one before.</summary>
    public float MaxToneGain { get; init; } = 2f;

    /// <summary>How each level is solved (<see cref="FlowOps.Level"/>): by default in one launch on the CPU accelerator for small levels; the same flow either way.</summary>
    public FlowSolve Solve { get; init; } = FlowSolve.Auto;

    /// <summary>
    /// Whether the stabiliser's noise level (<see cref="OpticalFlow.BlendNoise"/>) is measured at the frame's own
    /// resolution, where its blend compares L pixel by pixel, when the flow runs at a reduced one (frames wider than
    /// <see cref="MaxWidth"/>). At the flow's resolution each value is a mean of 4^k pixels, which averages grain away: on
    /// a 720p pan made old (the flow at 160 x 90, means of 8 x 8) it measured 1.0-2.5 L units where the blend sees 2.7-4.8
    /// at a pixel, so its tolerance released grain as change (docs/motion.md, "At a film's own size": warping 2.5-11 %
    /// lower with it). Frames no wider than MaxWidth are the same bits either way. Only the stabiliser's blend reads it
    /// (the frame's L read back each frame, two frames' kept on the host: at most their middle 4 Mi pixels each, all of a
    /// 1080p frame): other flows turn it off.
    /// </summary>
    public bool NoiseAtFrame { get; init; } = true;
}

/// <summary>
/// Dense optical flow between consecutive frames' L on the device (pyramidal Lucas-Kanade: FlowOps): per
/// level, coarse to fine, the flow from the level above, then <see cref="FlowSettings.Iterations"/> damped
/// windowed steps, each followed by a 3 x 3 median of the flow. Feed it
/// each frame's Lab in order with <see cref="Next"/>; after the second frame <see cref="Flow"/> holds the
/// backward flow of the newest frame at <see cref="FlowWidth"/> x <see cref="FlowHeight"/>: where each of its
/// pixels was in the frame before, in pixels of that reduced size.
/// </summary>
internal sealed class OpticalFlow : IDisposable
{
    private readonly FlowSettings settings;
    private readonly List<Tensor<float>> reduce = new();   // the halvings between full resolution and the flow's, but the last
    private readonly int halvings;
    private Tensor<float>[] current, previous;            // the pyramids of the newest frame and the one before
    private readonly Tensor<float>[] tensors, products, flows, smoothed;
    private readonly Tensor<float>[]? matched;             // the frame before's pyramid at the newest frame's tone (FlowSettings.MatchToneBeforeFlow)
    private readonly Tensor<float> comparison;
    private double difference = double.PositiveInfinity, relative = double.PositiveInfinity;
    private bool hasPrevious;
    private int grainyRun;   // how many frames in a row were grainy: from 2, the flow uses FlowSettings.GrainRadius

    /// <summary>
    /// A frame whose <see cref="MotionCompensatedDifference"/> (L units) is over this is grainy: its dense flow is noisy
    /// where the picture is flat. Clean clips measure 0-1, the old-film clips with grain 2-3.
    /// </summary>
    internal const double NoisyFrame = 1.5;

    /// <summary>The most, as a factor on the dense flow's motion-compensated difference, that the frame's motion as a whole may leave for it to replace the flow (<see cref="FlowSettings.FrameMotionOnGrain"/>).</summary>
    internal const double FrameMotionExplains = 1.5;

    /// <summary>The newest frame's motion as a whole, fitted to its dense flow on a grainy frame (<see cref="NoisyFrame"/>), else null; whether or not it replaced the flow.</summary>
    public GlobalMotion? FrameMotion { get; private set; }

    /// <summary>Whether <see cref="Flow"/> is the newest frame's <see cref="FrameMotion"/> (<see cref="FlowSettings.FrameMotionOnGrain"/>).</summary>
    public bool FollowsFrameMotion { get; private set; }

    /// <summary>
    /// The tone and the motion-compensated difference along <see cref="Flow"/> as it stands, for the stabiliser's blend,
    /// which reads the frame before along that flow: the frame's motion's where it replaced the dense flow
    /// (<see cref="FollowsFrameMotion"/>), else <see cref="Tone"/> and <see cref="MotionCompensatedDifference"/>. Grain
    /// the dense flow fitted is left in the difference along the frame's motion (up to <see cref="FrameMotionExplains"/>
    /// times as large), so a blend judged at the dense flow's would release grain as change. Measured on OldFilmTests'
    /// clips (docs/motion.md): short-term warping 0-4 % lower on the camera moves, the moving objects unchanged.
    /// </summary>
    public ((float Gain, float Offset) Tone, double Difference) BlendTone { get; private set; } = ((1f, 0f), double.PositiveInfinity);

    /// <summary>
    /// The frame's noise level for the stabiliser's blend: <see cref="BlendTone"/>'s difference, or with
    /// <see cref="FlowSettings.NoiseAtFrame"/> on a reduced flow the same mean |L_t(x) - (Gain L_(t-1)(x + f(x)) + Offset)|
    /// along the same flow and tone at the frame's own resolution (<see cref="Comparison"/>, every fourth pixel of every
    /// fourth row), where the blend compares.
    /// </summary>
    public double BlendNoise { get; private set; } = double.PositiveInfinity;

    private float[]? frameNow, frameBefore;   // the newest frame's and the one before's comparison L in the band, read back (FlowSettings.NoiseAtFrame)

    /// <summary>
    /// The most pixels of each of the two frames <see cref="BlendNoise"/> keeps on the host: the frame's middle rows up to
    /// this many (all of a 1080p frame's; 16 MiB a frame), so that a film at the picture limit (90 MP) stays within the
    /// memory its documentation states.
    /// </summary>
    private const int NoiseBandPixels = 4 << 20;

    private int BandRows => Math.Min(comparison.Shape[2], Math.Max(8, NoiseBandPixels / comparison.Shape[3]));

    private int BandTop => (comparison.Shape[2] - BandRows) / 2;

    public OpticalFlow(ComputeDevice device, int width, int height, FlowSettings? settings = null)
    {
        this.settings = settings ?? new FlowSettings();
        int w = width, h = height;
        while (w > this.settings.MaxWidth && w >= 16 && h >= 16)
        {
            if (halvings++ > 0)
                reduce.Add(device.Allocate<float>("flow.reduce", Shape.Nchw(1, 1, h, w)));
            w /= 2;
            h /= 2;
        }
        var sizes = new List<(int W, int H)> { (w, h) };
        while (sizes.Count < 1 + this.settings.Levels && sizes[^1].W / 2 >= 8 && sizes[^1].H / 2 >= 8)
            sizes.Add((sizes[^1].W / 2, sizes[^1].H / 2));
        Tensor<float>[] Pyramid(string name, int planes) => sizes.Select(s => device.Allocate<float>(name, Shape.Nchw(1, planes, s.H, s.W))).ToArray();
        current = Pyramid("flow.current", 1);
        previous = Pyramid("flow.previous", 1);
        tensors = Pyramid("flow.tensor", 3);
        products = Pyramid("flow.products", 2);
        flows = Pyramid("flow.uv", 2);
        smoothed = Pyramid("flow.smoothed", 2);
        matched = this.settings.MatchToneBeforeFlow ? Pyramid("flow.matched", 1) : null;
        FlowWidth = w;
        FlowHeight = h;
        comparison = device.Allocate<float>("flow.comparison", Shape.Nchw(1, 1, height, width));
    }

    public int FlowWidth { get; }

    public int FlowHeight { get; }

    /// <summary>The newest frame's L at the flow's resolution [1, 1, FlowHeight, FlowWidth] (the finest level of its pyramid).</summary>
    public Tensor<float> Grey => current[0];

    /// <summary>
    /// The newest frame's comparison L [1, 1, H, W] at full resolution: its L averaged over a
    /// (2 <see cref="FlowSettings.ToneRadius"/> + 1)^2 window (by default 1 x 1: L itself); the stabiliser's blend
    /// compares frames by it, the frame before's brought to this one's tone (<see cref="Tone"/>). What a frame shows
    /// keeps its own L.
    /// </summary>
    public Tensor<float> Comparison => comparison;

    /// <summary>
    /// The newest frame's L against the frame before's along the flow, as a gain and an offset: L_t(x) ~ Gain
    /// L_(t-1)(x + f(x)) + Offset, least squares at the flow's resolution over the points that stay inside, the gain
    /// within 1 / <see cref="FlowSettings.MaxToneGain"/> to <see cref="FlowSettings.MaxToneGain"/> (1 and 0 before a
    /// second frame, or with <see cref="FlowSettings.MatchTone"/> off). Old film's exposure flicker scales and
    /// shifts a whole frame's L (issue #41); compared after this, a flickering frame still matches the one before.
    /// </summary>
    public (float Gain, float Offset) Tone { get; private set; } = (1f, 0f);

    /// <summary>
    /// Plane <paramref name="plane"/> of a full-resolution [1, C, H, W] tensor brought to the flow's resolution by the
    /// same 2 x 2 means as the frames' L (so it lines up with <see cref="Grey"/> and <see cref="Flow"/>), read back.
    /// </summary>
    public float[] Reduce(Tensor<float> full, int plane)
    {
        using Tensor<float> reduced = full.Device.Allocate<float>("flow.reduced", Shape.Nchw(1, 1, FlowHeight, FlowWidth));
        ToFlowResolution(full, plane, reduced);
        return reduced.Download();
    }

    /// <summary>Plane <paramref name="plane"/> of a full-resolution [1, C, H, W] tensor halved (2 x 2 means) down to the flow's resolution into <paramref name="into"/> [1, 1, FlowHeight, FlowWidth].</summary>
    private void ToFlowResolution(Tensor<float> full, int plane, Tensor<float> into)
    {
        if (halvings == 0)
            into.CopyFrom(full, plane * FlowWidth * FlowHeight);
        Tensor<float> source = full;
        for (int i = 0; i < halvings; i++)
        {
            Tensor<float> half = i == halvings - 1 ? into : reduce[i];
            FlowOps.Halve(source, i == 0 ? plane : 0, half);
            source = half;
        }
    }

    /// <summary>The newest frame's backward flow [1, 2, FlowHeight, FlowWidth] (zero before a second frame).</summary>
    public Tensor<float> Flow => flows[0];

    /// <summary>
    /// Forgets the frame before: the next <see cref="Next"/> starts again (its flow zero). For lining a picture up with
    /// a frame (<see cref="MotionStabilizer"/>'s reference pictures): Restart, Next(picture), Next(frame).
    /// </summary>
    public void Restart() => hasPrevious = false;

    /// <summary>Takes the next frame's Lab [1, 3, H, W] (its L is used) and computes its flow to the frame before; false when there was none (the flow is zero).</summary>
    public bool Next(Tensor<float> lab)
    {
        (current, previous) = (previous, current);
        // The newest frame's pyramid: L (the first plane) halved down to the flow's resolution, then the levels above it.
        ToFlowResolution(lab, 0, current[0]);
        for (int level = 1; level < current.Length; level++)
            FlowOps.Halve(current[level - 1], 0, current[level]);
        // Radius 0 (the default) is L itself: a plain copy, not a kernel pass (3 ms a 720p frame on the CPU accelerator).
        if (settings.ToneRadius == 0)
            comparison.CopyFrom(lab, 0);
        else
            FlowOps.Tone(lab, comparison, settings.ToneRadius, 1f, 0f);

        int top = flows.Length - 1;
        if (!hasPrevious)
        {
            for (int level = 0; level <= top; level++)
                BufferOps.Fill(flows[level], 0f);
            hasPrevious = true;
            (Tone, difference, relative) = ((1f, 0f), double.PositiveInfinity, double.PositiveInfinity);
            (FrameMotion, FollowsFrameMotion, BlendTone) = (null, false, (Tone, difference));
            BlendNoise = difference;
            ReadFrame();
            grainyRun = 0;
            return false;
        }
        Solve(previous);
        // The two frames' L at the flow's resolution, read back once for the tone fit (and for the mean and spread below).
        float[] now = current[0].Download(), before = previous[0].Download();
        float[] flow = flows[0].Download();
        (Tone, difference, relative) = CompareAlongFlow(flow, now, before);
        // A frame whose exposure moved (the tone fitted along the first flow, which flicker misleads): the flow again,
        // against the frame before brought to this frame's mean and spread of L (known without a flow), and the tone
        // fitted again along it. Measured on the carrier's flickering pan (FilmKeyframeTests): the fitted tone instead
        // of the mean and spread carried 81 % of the visible points, these 88 %, a third solve from the tone fitted
        // after them no more.
        if (matched is not null && (Math.Abs(Tone.Gain - 1) > ToneMoved || Math.Abs(Tone.Offset) > 100 * ToneMoved))
        {
            var (gain, offset) = MeanAndSpreadMatch(before, now);
            for (int level = 0; level <= top; level++)
                FlowOps.Tone(previous[level], matched[level], 0, gain, offset);
            Solve(matched);
            flow = flows[0].Download();
            (Tone, difference, relative) = CompareAlongFlow(flow, now, before);
        }
        FrameMotion = null;
        FollowsFrameMotion = false;
        BlendTone = (Tone, difference);
        grainyRun = Grainy ? grainyRun + 1 : 0;
        float[] blendFlow = Grainy ? FollowFrameMotion(flow, now, before) : flow;
        BlendNoise = BlendTone.Difference;
        if (ReadFrame() && double.IsFinite(BlendNoise))
            BlendNoise = DifferenceAtFrame(blendFlow, BlendTone.Tone);
        return true;
    }

    /// <summary>With <see cref="FlowSettings.NoiseAtFrame"/> on a reduced flow: the newest frame's comparison L read back (the one before's kept); whether both are there.</summary>
    private bool ReadFrame()
    {
        if (!settings.NoiseAtFrame || halvings == 0)
            return false;
        (frameNow, frameBefore) = (frameBefore, frameNow);
        int w = comparison.Shape[3];
        frameNow ??= new float[BandRows * w];
        comparison.Download(BandTop * w, frameNow);
        return frameBefore is not null;
    }

    /// <summary>
    /// <see cref="BlendNoise"/> at the frame's resolution: the mean |L_t(x) - (gain L_(t-1)(x + f(x)) + offset)| over every
    /// fourth pixel of every fourth row of the band (<see cref="NoiseBandPixels"/>; the whole frame up to 1080p) whose
    /// point lies inside the band of the frame before, the flow <paramref name="f"/> ([2, FlowHeight, FlowWidth]) sampled
    /// and scaled to the frame as the blend does (StabilizeAlongFlowKernel).
    /// </summary>
    private double DifferenceAtFrame(float[] f, (float Gain, float Offset) tone)
    {
        int w = comparison.Shape[3], h = comparison.Shape[2], rows = BandRows, top = BandTop, fw = FlowWidth, fh = FlowHeight, plane = fw * fh;
        double rx = (double)fw / w, ry = (double)fh / h, sum = 0;
        float[] u = f[..plane], v = f[plane..(2 * plane)];
        long count = 0;
        for (int y = top; y < top + rows; y += 4)
            for (int x = 0; x < w; x += 4)
            {
                double fx = Math.Clamp((x + 0.5) * rx - 0.5, 0, fw - 1), fy = Math.Clamp((y + 0.5) * ry - 0.5, 0, fh - 1);
                double sx = x + Bilinear(u, fw, fh, fx, fy) / rx, sy = y + Bilinear(v, fw, fh, fx, fy) / ry - top;
                if (sx < 0 || sy < 0 || sx > w - 1 || sy > rows - 1)
                    continue;
                sum += Math.Abs(frameNow![(y - top) * w + x] - (tone.Gain * Bilinear(frameBefore!, w, rows, sx, sy) + tone.Offset));
                count++;
            }
        return count < w * rows / 128 ? double.PositiveInfinity : sum / count;
    }

    /// <summary>Whether the newest frame is grainy to the flow: its <see cref="MotionCompensatedDifference"/> over <see cref="NoisyFrame"/> (and finite).</summary>
    public bool Grainy => difference > NoisyFrame && double.IsFinite(difference);

    /// <summary>
    /// On a grainy frame: the frame's motion as a whole fitted to the dense flow (<see cref="FrameMotion"/>) and, with
    /// <see cref="FlowSettings.FrameMotionOnGrain"/>, put in the flow's place where it explains the frame nearly as well
    /// (<see cref="FrameMotionExplains"/>); else the dense flow kept. Returns the flow the blend reads as it now stands
    /// (<see cref="Flow"/>'s values: the frame's motion where it was taken, else <paramref name="dense"/>).
    /// </summary>
    private float[] FollowFrameMotion(float[] dense, float[] now, float[] before)
    {
        int w = FlowWidth, h = FlowHeight, n = w * h;
        FrameMotion = GlobalMotion.Fit(dense[..n], dense[n..], now, w, h);
        if (!settings.FrameMotionOnGrain || FrameMotion is not { } m)
            return dense;
        var along = new float[2 * n];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                along[y * w + x] = (float)(m.A0 + m.A1 * x + m.A2 * y);
                along[n + y * w + x] = (float)(m.B0 + m.B1 * x + m.B2 * y);
            }
        // Compared on the host first: the device's flow is only replaced when the frame's motion is taken. The tone and
        // the differences stay the dense flow's, the frame's closest explanation: the cut test judges the frame as it did
        // (along the frame's motion it would make a cut of a frame the dense flow explains within the threshold); the
        // blend reads BlendTone.
        var (tone, alongDifference, _) = CompareAlongFlow(along, now, before);
        FollowsFrameMotion = alongDifference <= FrameMotionExplains * difference;
        if (!FollowsFrameMotion)
            return dense;
        flows[0].Upload(along);
        BlendTone = (tone, alongDifference);
        return along;
    }

    /// <summary>A tone further than this from none (a gain off 1 by more, or an offset of more than 100 times it in L units) makes <see cref="FlowSettings.MatchToneBeforeFlow"/> solve again.</summary>
    private const double ToneMoved = 0.01;

    /// <summary>The pyramid's levels, coarse to fine, each starting from the one above's flow (zero at the top), the newest frame against <paramref name="before"/>.</summary>
    private void Solve(Tensor<float>[] before)
    {
        for (int level = flows.Length - 1; level >= 0; level--)
        {
            Tensor<float> solved = FlowOps.Level(current[level], before[level], level < flows.Length - 1 ? flows[level + 1] : null, tensors[level], products[level],
                flows[level], smoothed[level], grainyRun >= 2 ? settings.GrainRadius : settings.Radius, settings.Damping, settings.Iterations, settings.Solve);
            if (!ReferenceEquals(solved, flows[level]))
                (flows[level], smoothed[level]) = (smoothed[level], flows[level]);
        }
    }

    /// <summary>
    /// How unlike the frame before the newest frame is once the motion and the tone are taken out: the mean
    /// |L_t(x) - (Gain L_(t-1)(x + f(x)) + Offset)| (L units, 0-100) at the flow's resolution over the points that
    /// stay inside (<see cref="Tone"/>). A moving camera gives a few units, a scene cut tens; a frame that leaves
    /// little of the one before inside, infinity.
    /// </summary>
    public double MotionCompensatedDifference() => difference;

    /// <summary>
    /// <see cref="MotionCompensatedDifference"/> over the newest frame's own contrast at the same points (the mean
    /// |L - mean L|): near 0 when the frame before, moved and toned, explains the newest frame; about 1 or more for
    /// unrelated pictures, whose tone fit only matches their means; infinity for a flat frame (nothing to line up)
    /// or one that leaves little of the frame before inside.
    /// </summary>
    public double RelativeDifference() => relative;

    /// <summary>
    /// The tone, motion-compensated difference and relative difference of the newest frame along the flow
    /// <paramref name="f"/> ([2, h, w], as <see cref="Flow"/>), on every other pixel of the flow's resolution (control logic
    /// on a small picture, read back to the host).
    /// </summary>
    private ((float Gain, float Offset) Tone, double Difference, double Relative) CompareAlongFlow(float[] f, float[] now, float[] before)
    {
        int w = FlowWidth, h = FlowHeight, n = w * h;
        var pairs = new List<(double Now, double Before)>(n / 2);
        for (int p = 0; p < n; p += 2)
        {
            double x = p % w + f[p], y = p / w + f[n + p];
            if (x < 0 || y < 0 || x > w - 1 || y > h - 1)
                continue;
            pairs.Add((now[p], Bilinear(before, w, h, x, y)));
        }
        if (pairs.Count < n / 8)
            return ((1f, 0f), double.PositiveInfinity, double.PositiveInfinity);
        double gain = 1, offset = 0;
        if (settings.MatchTone)
        {
            // Least squares, then again over the points it fits within twice its mean error: what moves against the
            // flow (an object over a still background, dust, an uncovered place) must not tilt the fit of the rest.
            (gain, offset) = Fit(pairs, 1, 0, double.PositiveInfinity);
            double spread = pairs.Average(q => Math.Abs(q.Now - (gain * q.Before + offset)));
            (gain, offset) = Fit(pairs, gain, offset, 2 * spread);
        }
        double difference = pairs.Average(q => Math.Abs(q.Now - (gain * q.Before + offset)));
        double mean = pairs.Average(q => q.Now), contrast = pairs.Average(q => Math.Abs(q.Now - mean));
        return (((float)gain, (float)offset), difference, contrast > MinContrast ? difference / contrast : double.PositiveInfinity);
    }

    /// <summary>
    /// The gain and offset that give <paramref name="before"/>'s L the mean and standard deviation of <paramref name="now"/>'s
    /// (both at the flow's resolution; the gain within the settings' bounds, 1 for a flat frame): a whole frame's exposure
    /// change, known before any flow (<see cref="FlowSettings.MatchToneBeforeFlow"/>).
    /// </summary>
    private (float Gain, float Offset) MeanAndSpreadMatch(float[] before, float[] now)
    {
        static (double Mean, double Spread) Moments(float[] v)
        {
            double sum = 0, squares = 0;
            foreach (float x in v)
                sum += x;
            double mean = sum / v.Length;
            foreach (float x in v)
                squares += (x - mean) * (x - mean);
            return (mean, Math.Sqrt(squares / v.Length));
        }
        var (mb, sb) = Moments(before);
        var (mn, sn) = Moments(now);
        double gain = sb > MinContrast && sn > MinContrast ? Math.Clamp(sn / sb, 1 / settings.MaxToneGain, settings.MaxToneGain) : 1;
        return ((float)gain, (float)(mn - gain * mb));
    }

    /// <summary>The least contrast (mean |L - mean L|, L units) a frame needs for <see cref="RelativeDifference"/>: below it the frame is flat.</summary>
    private const double MinContrast = 0.5;

    /// <summary>The least-squares line Now ~ gain Before + offset over the pairs within <paramref name="within"/> of the line (gain, offset); the gain within the settings' bounds.</summary>
    private (double Gain, double Offset) Fit(List<(double Now, double Before)> pairs, double gain, double offset, double within)
    {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (y, x) in pairs)
            if (Math.Abs(y - (gain * x + offset)) <= within)
            {
                n++;
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
        if (n < 2)
            return (gain, offset);
        double mx = sx / n, my = sy / n, vxx = sxx / n - mx * mx, vxy = sxy / n - mx * my;
        double g = vxx > 1e-6 ? Math.Clamp(vxy / vxx, 1 / settings.MaxToneGain, settings.MaxToneGain) : 1;
        return (g, my - g * mx);
    }

    /// <summary>
    /// The plane <paramref name="plane"/> (w x h) at (x, y) inside it, bilinear: the host's copy of the flow kernels'
    /// sampler (Kernels/Video/FlowKernels.cs), kept apart from the tests' reference (FlowReference.Sample),
    /// which checks the kernels and must not be what production code runs. (x, y) must lie inside the plane.
    /// </summary>
    internal static double Bilinear(float[] plane, int w, int h, double x, double y)
    {
        int x0 = (int)x, y0 = (int)y;
        int x1 = x0 < w - 1 ? x0 + 1 : x0, y1 = y0 < h - 1 ? y0 + 1 : y0;
        double lx = x - x0, ly = y - y0;
        double top = plane[y0 * w + x0] * (1 - lx) + plane[y0 * w + x1] * lx;
        double bottom = plane[y1 * w + x0] * (1 - lx) + plane[y1 * w + x1] * lx;
        return top * (1 - ly) + bottom * ly;
    }

    public void Dispose()
    {
        foreach (Tensor<float> t in reduce.Concat(current).Concat(previous).Concat(tensors).Concat(products).Concat(flows).Concat(smoothed).Concat(matched ?? Array.Empty<Tensor<float>>()))
            t.Dispose();
        comparison.Dispose();
    }
}
