using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Video;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// Dense optical flow, bilinear warping and stabilisation along the flow (Kernels/Video/FlowKernels; reference
/// FlowReference). Tensors are NCHW with N = 1: a picture level [1, 1, H, W], a flow [1, 2, H, W] (u, v), a
/// structure tensor [1, 3, H, W], Lab frames [1, 3, H, W].
/// </summary>
internal static class FlowOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, WarpArgs>> HalveKernel = new(FlowKernels.HalveKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, FlowArgs>> StructureTensorKernel = new(FlowKernels.StructureTensorKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, FlowArgs>> FlowResidualKernel = new(FlowKernels.FlowResidualKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, FlowArgs>> FlowUpdateKernel = new(FlowKernels.FlowUpdateKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, FlowArgs>> MedianFlowKernel = new(FlowKernels.MedianFlowKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, WarpArgs>> UpsampleFlowKernel = new(FlowKernels.UpsampleFlowKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, WarpArgs>> WarpBilinearKernel = new(FlowKernels.WarpBilinearKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, MotionArgs>> StabilizeAlongFlowKernel = new(FlowKernels.StabilizeAlongFlowKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ToneArgs>> ToneKernel = new(FlowKernels.ToneKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, Floats, FlowLevelArgs>> FlowLevelKernel = new(FlowKernels.FlowLevelKernel);

    private static (int Channels, int H, int W) Planes(Tensor<float> t)
    {
        Shape s = Rank4(t);
        if (s[0] != 1)
            throw new ArgumentException($"tensor '{t.Name}' must have N = 1; it is {s}");
        return (s[1], s[2], s[3]);
    }

    private static ArrayView<float> Plane(Tensor<float> t, int channel)
    {
        var (c, h, w) = Planes(t);
        if (channel < 0 || channel >= c)
            throw new ArgumentException($"tensor '{t.Name}' has no plane {channel}");
        return t.View.SubView((long)channel * h * w, (long)h * w);
    }

    /// <summary>Plane <paramref name="channel"/> of <paramref name="source"/> halved (2 x 2 means) into <paramref name="destination"/> [1, 1, max(1, H/2), max(1, W/2)].</summary>
    public static void Halve(Tensor<float> source, int channel, Tensor<float> destination)
    {
        var (_, h, w) = Planes(source);
        Expect(destination, Shape.Nchw(1, 1, Math.Max(1, h / 2), Math.Max(1, w / 2)));
        ComputeDevice d = SameDevice(source, destination, destination);
        int ow = Math.Max(1, w / 2), oh = Math.Max(1, h / 2);
        ElementLaunch l = d.Launcher.ForElements(ow * oh);
        using (d.Launcher.Time(HalveKernel, 4.0 * ow * oh, 20.0 * ow * oh))
            d.Kernels.Load(HalveKernel)(d.Stream, l.Config, Plane(source, channel), destination.View, new WarpArgs(w, h, ow, oh, 1, l.RunLength));
    }

    /// <summary>Lucas-Kanade's window sums of gradient products of <paramref name="first"/> [1, 1, H, W] into <paramref name="tensor"/> [1, 3, H, W].</summary>
    public static void StructureTensor(Tensor<float> first, Tensor<float> tensor, int radius)
    {
        var (_, h, w) = Planes(first);
        Expect(first, Shape.Nchw(1, 1, h, w));
        Expect(tensor, Shape.Nchw(1, 3, h, w));
        ComputeDevice d = SameDevice(first, tensor, tensor);
        int n = w * h, window = (2 * radius + 1) * (2 * radius + 1);
        ElementLaunch l = d.Launcher.ForElements(n);
        using (d.Launcher.Time(StructureTensorKernel, 11.0 * window * n, 16.0 * n))
            d.Kernels.Load(StructureTensorKernel)(d.Stream, l.Config, first.View, tensor.View, new FlowArgs(w, h, radius, 0f, l.RunLength));
    }

    /// <summary>The residual's gradient products [1, 2, H, W] of frame t (<paramref name="first"/>) and frame t-1 (<paramref name="second"/>) along <paramref name="flow"/>.</summary>
    public static void Residual(Tensor<float> first, Tensor<float> second, Tensor<float> flow, Tensor<float> products)
    {
        var (_, h, w) = Planes(first);
        Expect(first, Shape.Nchw(1, 1, h, w));
        Expect(second, Shape.Nchw(1, 1, h, w));
        Expect(flow, Shape.Nchw(1, 2, h, w));
        Expect(products, Shape.Nchw(1, 2, h, w));
        ComputeDevice d = SameDevice(first, second, flow);
        SameDevice(first, products, products);
        int n = w * h;
        ElementLaunch l = d.Launcher.ForElements(n);
        using (d.Launcher.Time(FlowResidualKernel, 20.0 * n, 40.0 * n))
            d.Kernels.Load(FlowResidualKernel)(d.Stream, l.Config, first.View, second.View, flow.View, products.View, new FlowArgs(w, h, 0, 0f, l.RunLength));
    }

    /// <summary>One damped Lucas-Kanade step of <paramref name="flow"/> [1, 2, H, W] (in place) from the structure tensor and the residual's products.</summary>
    public static void Update(Tensor<float> tensor, Tensor<float> products, Tensor<float> flow, int radius, float damping)
    {
        var (_, h, w) = Planes(flow);
        Expect(tensor, Shape.Nchw(1, 3, h, w));
        Expect(products, Shape.Nchw(1, 2, h, w));
        Expect(flow, Shape.Nchw(1, 2, h, w));
        if (!(damping > 0f) || radius < 0)
            throw new ArgumentException($"flow damping {damping} (above 0) or radius {radius} (0 or more) out of range");
        ComputeDevice d = SameDevice(tensor, products, flow);
        int n = w * h, window = (2 * radius + 1) * (2 * radius + 1);
        ElementLaunch l = d.Launcher.ForElements(n);
        using (d.Launcher.Time(FlowUpdateKernel, (2.0 * window + 14) * n, 28.0 * n))
            d.Kernels.Load(FlowUpdateKernel)(d.Stream, l.Config, tensor.View, products.View, flow.View, new FlowArgs(w, h, radius, damping, l.RunLength));
    }

    /// <summary>The 3 x 3 median of each plane of <paramref name="flow"/> [1, 2, H, W] into <paramref name="smoothed"/> (same shape).</summary>
    public static void MedianFlow(Tensor<float> flow, Tensor<float> smoothed)
    {
        var (c, h, w) = Planes(flow);
        if (c != 2)
            throw new ArgumentException($"flow '{flow.Name}' must have 2 planes");
        Expect(smoothed, flow.Shape);
        ComputeDevice d = SameDevice(flow, smoothed, smoothed);
        int n = w * h;
        ElementLaunch l = d.Launcher.ForElements(n);
        using (d.Launcher.Time(MedianFlowKernel, 2.0 * 38 * n, 16.0 * n))
            d.Kernels.Load(MedianFlowKernel)(d.Stream, l.Config, flow.View, smoothed.View, new FlowArgs(w, h, 1, 0f, l.RunLength));
    }

    /// <summary>A coarser level's flow <paramref name="coarse"/> [1, 2, h, w] resampled to <paramref name="fine"/> [1, 2, H, W], in the finer level's pixels.</summary>
    public static void UpsampleFlow(Tensor<float> coarse, Tensor<float> fine)
    {
        var (cc, ih, iw) = Planes(coarse);
        var (fc, oh, ow) = Planes(fine);
        if (cc != 2 || fc != 2)
            throw new ArgumentException($"flows '{coarse.Name}' and '{fine.Name}' must have 2 planes");
        ComputeDevice d = SameDevice(coarse, fine, fine);
        int n = ow * oh;
        ElementLaunch l = d.Launcher.ForElements(n);
        using (d.Launcher.Time(UpsampleFlowKernel, 20.0 * n, 8.0 * n + 8.0 * iw * ih))
            d.Kernels.Load(UpsampleFlowKernel)(d.Stream, l.Config, coarse.View, fine.View, new WarpArgs(iw, ih, ow, oh, 2, l.RunLength));
    }

    /// <summary>
    /// One pyramid level's Lucas-Kanade solve: <paramref name="flow"/> [1, 2, H, W] starts as the coarser level's flow
    /// <paramref name="coarse"/> [1, 2, h, w] resampled (<see cref="UpsampleFlow"/>; zero when it is null: the top
    /// level), then the structure tensor of <paramref name="first"/> (frame t's level [1, 1, H, W]) and
    /// <paramref name="iterations"/> times <see cref="Residual"/> against <paramref name="second"/> (frame t-1's),
    /// <see cref="Update"/> and <see cref="MedianFlow"/>, the median writing into the other of
    /// <paramref name="flow"/> and <paramref name="smoothed"/> each time. Returns the one holding the level's flow
    /// (<paramref name="smoothed"/> after an odd count). <paramref name="tensor"/> [1, 3, H, W] and
    /// <paramref name="products"/> [1, 2, H, W] are work space. Both ways (<see cref="FlowSolve"/>) give the same
    /// bits on the CPU accelerator: the same per-pixel arithmetic, and no pixel reads what another writes in the same step.
    /// </summary>
    public static Tensor<float> Level(Tensor<float> first, Tensor<float> second, Tensor<float>? coarse, Tensor<float> tensor, Tensor<float> products,
        Tensor<float> flow, Tensor<float> smoothed, int radius, float damping, int iterations, FlowSolve solve = FlowSolve.Auto)
    {
        var (_, h, w) = Planes(first);
        Expect(first, Shape.Nchw(1, 1, h, w));
        Expect(second, Shape.Nchw(1, 1, h, w));
        Expect(tensor, Shape.Nchw(1, 3, h, w));
        Expect(products, Shape.Nchw(1, 2, h, w));
        Expect(flow, Shape.Nchw(1, 2, h, w));
        Expect(smoothed, Shape.Nchw(1, 2, h, w));
        int cw = 0, ch = 0;
        if (coarse is not null)
        {
            var (cc, chh, cww) = Planes(coarse);
            if (cc != 2)
                throw new ArgumentException($"flow '{coarse.Name}' must have 2 planes");
            (cw, ch) = (cww, chh);
        }
        if (!(damping > 0f) || radius < 0 || iterations < 0 || ReferenceEquals(flow, smoothed))
            throw new ArgumentException($"flow level: damping {damping} (above 0), radius {radius} and iterations {iterations} (0 or more), two flow tensors");
        ComputeDevice d = SameDevice(first, second, tensor);
        SameDevice(products, flow, smoothed);
        SameDevice(first, flow, coarse ?? flow);
        if (!OneLaunch(d, w * h, solve))
        {
            if (coarse is null)
                BufferOps.Fill(flow, 0f);
            else
                UpsampleFlow(coarse, flow);
            StructureTensor(first, tensor, radius);
            for (int i = 0; i < iterations; i++)
            {
                Residual(first, second, flow, products);
                Update(tensor, products, flow, radius, damping);
                MedianFlow(flow, smoothed);
                (flow, smoothed) = (smoothed, flow);
            }
            return flow;
        }
        int n = w * h, window = (2 * radius + 1) * (2 * radius + 1);
        using (d.Launcher.Time(FlowLevelKernel, (20.0 + 11.0 * window + iterations * (2.0 * window + 110)) * n, (24.0 + iterations * 84.0) * n))
            d.Kernels.Load(FlowLevelKernel)(d.Stream, new KernelConfig(1, 1), first.View, second.View, (coarse ?? flow).View, tensor.View, products.View, flow.View, smoothed.View,
                new FlowLevelArgs(w, h, cw, ch, radius, damping, iterations));
        return iterations % 2 == 0 ? flow : smoothed;
    }

    /// <summary>
    /// Levels up to this many pixels solve in one launch on the CPU accelerator (<see cref="FlowSolve.Auto"/>): there a
    /// launch costs more than a small level's work (perf --filter video-profile, perf/NOTES.md).
    /// </summary>
    public const int OneLaunchPixels = 80 * 45;

    /// <summary>Whether a level of <paramref name="pixels"/> pixels on <paramref name="d"/> is solved in one launch.</summary>
    internal static bool OneLaunch(ComputeDevice d, int pixels, FlowSolve solve) => solve switch
    {
        FlowSolve.OneLaunch => true,
        FlowSolve.LaunchPerStep => false,
        _ => d.Kind == DeviceKind.Cpu && pixels <= OneLaunchPixels,
    };

    /// <summary>
    /// <paramref name="source"/> [1, C, H, W] warped along <paramref name="flow"/> [1, 2, H, W] into
    /// <paramref name="destination"/> [1, C + 1, H, W]: the C planes sampled at x + f(x), then a plane that is 1
    /// where that point is inside the picture and 0 where it is not.
    /// </summary>
    public static void Warp(Tensor<float> source, Tensor<float> flow, Tensor<float> destination)
    {
        var (c, h, w) = Planes(source);
        Expect(flow, Shape.Nchw(1, 2, h, w));
        Expect(destination, Shape.Nchw(1, c + 1, h, w));
        ComputeDevice d = SameDevice(source, flow, destination);
        int n = w * h;
        ElementLaunch l = d.Launcher.ForElements(n);
        using (d.Launcher.Time(WarpBilinearKernel, (4.0 + 8 * c) * n, (8.0 + 20 * c) * n))
            d.Kernels.Load(WarpBilinearKernel)(d.Stream, l.Config, source.View, flow.View, destination.View, new WarpArgs(w, h, w, h, c, l.RunLength));
    }

    /// <summary>
    /// Blends the ab of <paramref name="lab"/> [1, 3, H, W] with <paramref name="previous"/> [1, 3, H, W] warped
    /// along <paramref name="flow"/> [1, 2, h, w] (any reduced size: sampled and scaled to the frame), comparing
    /// L as <paramref name="comparison"/> [1, 1, H, W] gives it (<see cref="Tone"/>'s), and writes the result as the
    /// next frame's previous into <paramref name="next"/> (its L plane the comparison L); the previous frame's L is
    /// read as <paramref name="gain"/> L' + <paramref name="offset"/>; the moved place is taken unless the still one
    /// matches better by more than <paramref name="stillMargin"/> L units.
    /// </summary>
    public static void StabilizeAlongFlow(Tensor<float> lab, Tensor<float> comparison, Tensor<float> previous, Tensor<float> next, Tensor<float> flow, float strength, float threshold, bool reset,
        float gain = 1f, float offset = 0f, float tolerance = 0f, float stillMargin = 0f)
    {
        var (c, h, w) = Planes(lab);
        Expect(comparison, Shape.Nchw(1, 1, h, w));
        var (fc, fh, fw) = Planes(flow);
        if (c != 3 || fc != 2)
            throw new ArgumentException($"tensor '{lab.Name}' must be Lab [1, 3, H, W] and '{flow.Name}' a flow [1, 2, h, w]");
        Expect(previous, Shape.Nchw(1, 3, h, w));
        Expect(next, Shape.Nchw(1, 3, h, w));
        if (!(strength >= 0f && strength < 1f) || !(threshold > 0f) || !float.IsFinite(gain) || !float.IsFinite(offset) || !(tolerance >= 0f && float.IsFinite(tolerance)) || !(stillMargin >= 0f && float.IsFinite(stillMargin)))
            throw new ArgumentException($"stabilisation strength {strength} (0 to below 1), threshold {threshold} (above 0), tolerance {tolerance} or still margin {stillMargin} (0 or more) out of range");
        ComputeDevice d = SameDevice(lab, previous, next);
        SameDevice(lab, flow, comparison);
        int n = w * h;
        ElementLaunch l = d.Launcher.ForElements(n);
        using (d.Launcher.Time(StabilizeAlongFlowKernel, 60.0 * n, 80.0 * n))
            d.Kernels.Load(StabilizeAlongFlowKernel)(d.Stream, l.Config, lab.View, comparison.View, previous.View, next.View, flow.View, new MotionArgs(w, h, fw, fh, strength, threshold, reset, l.RunLength, gain, offset, tolerance, stillMargin));
    }

    /// <summary>
    /// <paramref name="destination"/> [1, 1, H, W] = <paramref name="gain"/> times the mean of <paramref name="source"/>'s
    /// first plane ([1, C, H, W]) over each pixel's (2 radius + 1)^2 window, plus <paramref name="offset"/>. In place
    /// (the same tensor) only with radius 0.
    /// </summary>
    public static void Tone(Tensor<float> source, Tensor<float> destination, int radius, float gain, float offset)
    {
        var (_, h, w) = Planes(source);
        Expect(destination, Shape.Nchw(1, 1, h, w));
        if (radius < 0 || (radius > 0 && ReferenceEquals(source, destination)) || !float.IsFinite(gain) || !float.IsFinite(offset))
            throw new ArgumentException($"tone: radius {radius} (0 or more; 0 in place), gain {gain} and offset {offset} (finite)");
        ComputeDevice d = SameDevice(source, destination, destination);
        int n = w * h, window = (2 * radius + 1) * (2 * radius + 1);
        ElementLaunch l = d.Launcher.ForElements(n);
        using (d.Launcher.Time(ToneKernel, (window + 2.0) * n, 4.0 * (window + 1) * n))
            d.Kernels.Load(ToneKernel)(d.Stream, l.Config, source.View, destination.View, new ToneArgs(w, h, radius, gain, offset, l.RunLength));
    }
}

/// <summary>
/// How <see cref="FlowOps.Level"/> runs a pyramid level: a launch per step (<see cref="LaunchPerStep"/>, every pixel a
/// thread: a GPU's path), or the whole level in one launch of one thread (<see cref="OneLaunch"/>: the CPU
/// accelerator's for small levels, where launches cost more than the work). <see cref="Auto"/> takes one launch on the
/// CPU accelerator up to <see cref="FlowOps.OneLaunchPixels"/> pixels, a launch per step otherwise.
/// </summary>
internal enum FlowSolve
{
    Auto,
    LaunchPerStep,
    OneLaunch,
}
