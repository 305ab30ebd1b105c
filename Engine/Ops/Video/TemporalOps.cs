using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Video;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>Temporal stabilisation of video frames (Kernels/Video; reference TemporalReference).</summary>
internal static class TemporalOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, TemporalArgs>> StabilizeAbKernel = new(TemporalKernels.StabilizeAbKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, BlendAbArgs>> BlendAbKernel = new(TemporalKernels.BlendAbKernel);

    /// <summary>
    /// Blends <paramref name="lab"/>'s ab [1, 3, H, W] with the previous output's where L is still (see
    /// TemporalKernels.StabilizeAbKernel), and makes the result the previous frame for the next call.
    /// </summary>
    public static void StabilizeAb(Tensor<float> lab, Tensor<float> previous, float strength, float threshold, bool reset)
    {
        Shape s = Rank4(lab);
        if (s[0] != 1 || s[1] != 3)
            throw new ArgumentException($"tensor '{lab.Name}' must be [1, 3, H, W]; it is {s}");
        Expect(previous, s);
        if (!(strength >= 0f && strength < 1f) || !(threshold > 0f))
            throw new ArgumentException($"stabilisation strength {strength} (0 to below 1) or threshold {threshold} (above 0) out of range");
        ComputeDevice d = SameDevice(lab, previous, previous);
        int pixels = s[2] * s[3];
        ElementLaunch l = d.Launcher.ForElements(pixels);
        using (d.Launcher.Time(StabilizeAbKernel, 8.0 * pixels, 36.0 * pixels))
            d.Kernels.Load(StabilizeAbKernel)(d.Stream, l.Config, lab.View, previous.View, new TemporalArgs(pixels, strength, threshold, reset, l.RunLength));
    }

    /// <summary>
    /// Blends <paramref name="lab"/>'s ab [1, 3, H, W] toward <paramref name="given"/>'s (planes: a weight, then a
    /// and b) by <paramref name="strength"/> x the weight (see TemporalKernels.BlendAbKernel).
    /// </summary>
    public static void BlendAb(Tensor<float> lab, Tensor<float> given, float strength)
    {
        Shape s = Rank4(lab);
        if (s[0] != 1 || s[1] != 3)
            throw new ArgumentException($"tensor '{lab.Name}' must be [1, 3, H, W]; it is {s}");
        Expect(given, s);
        if (!(strength >= 0f && strength <= 1f))
            throw new ArgumentException($"blend strength {strength} out of range (0 to 1)");
        ComputeDevice d = SameDevice(lab, given, given);
        int pixels = s[2] * s[3];
        ElementLaunch l = d.Launcher.ForElements(pixels);
        using (d.Launcher.Time(BlendAbKernel, 8.0 * pixels, 28.0 * pixels))
            d.Kernels.Load(BlendAbKernel)(d.Stream, l.Config, lab.View, given.View, new BlendAbArgs(pixels, strength, l.RunLength));
    }
}
