using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Resample;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>Bilinear resizing between NCHW tensors (Kernels/Resample; reference ResampleReference).</summary>
internal static class ResampleOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ResizeArgs>> ResizeBilinearKernel = new(ResampleKernels.ResizeBilinearKernel);

    /// <summary>
    /// Bilinear resize (align_corners = False) of <paramref name="channels"/> channels of
    /// <paramref name="source"/> starting at <paramref name="sourceOffset"/> into <paramref name="destination"/>
    /// starting at <paramref name="destinationOffset"/>, as value * scale + shift. Other channels of the
    /// destination are left as they are.
    /// </summary>
    public static void ResizeBilinear(Tensor<float> source, int sourceOffset, int channels, Tensor<float> destination,
        int destinationOffset, float scale = 1f, float shift = 0f)
    {
        Shape s = Rank4(source), t = Rank4(destination);
        if (s[0] != t[0] || sourceOffset < 0 || destinationOffset < 0 || channels < 1
            || sourceOffset + channels > s[1] || destinationOffset + channels > t[1])
            throw new ArgumentException($"resize of channels {sourceOffset}..{sourceOffset + channels - 1} of '{source.Name}' {s} into channels from {destinationOffset} of '{destination.Name}' {t} is out of range");
        ComputeDevice d = SameDevice(source, destination, destination);
        int written = s[0] * channels * t[2] * t[3];
        ElementLaunch launch = d.Launcher.ForElements(written);
        var args = new ResizeArgs(s[0], channels, s[1], sourceOffset, s[2], s[3], t[1], destinationOffset, t[2], t[3], scale, shift, launch.RunLength);
        using (d.Launcher.Time(ResizeBilinearKernel, 10.0 * written, 4.0 * (s[0] * channels * s[2] * s[3] + written)))
            d.Kernels.Load(ResizeBilinearKernel)(d.Stream, launch.Config, source.View, destination.View, args);
    }
}
