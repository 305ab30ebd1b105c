using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Softmax;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>Softmax across channels and the palette decode of both methods' predictions (Kernels/Softmax; reference SoftmaxReference).</summary>
internal static class SoftmaxOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, SoftmaxArgs>> SoftmaxChannelsKernel = new(SoftmaxKernels.SoftmaxChannelsKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, PaletteDecodeArgs>> PaletteDecodeKernel = new(SoftmaxKernels.PaletteDecodeKernel);

    /// <summary>Softmax across channels of [N, C, H, W] at temperature <paramref name="temperature"/> (> 0).</summary>
    public static void Softmax(Tensor<float> logits, Tensor<float> probabilities, float temperature = 1f)
    {
        Shape s = Rank4(logits);
        Expect(probabilities, s);
        CheckTemperature(temperature);
        ComputeDevice d = SameDevice(logits, probabilities, probabilities);
        ElementLaunch launch = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        using (d.Launcher.Time(SoftmaxChannelsKernel, 4.0 * s.Elements, 8.0 * s.Elements))
            d.Kernels.Load(SoftmaxChannelsKernel)(d.Stream, launch.Config, logits.View, probabilities.View,
                new SoftmaxArgs(s[0], s[1], s[2] * s[3], temperature, launch.RunLength));
    }

    /// <summary>
    /// ab [N, 2, H, W] = the palette decode of logits [N, Q, H, W] over palette [Q, 2] (a, b interleaved) at
    /// <paramref name="temperature"/>: the annealed mean, or each pixel's most likely colour at 0; with
    /// <paramref name="classBias"/> [Q] each distribution re-weighted by exp(classBias) first (a palette).
    /// </summary>
    public static void PaletteDecode(Tensor<float> logits, Tensor<float> palette, Tensor<float> ab, float temperature, Tensor<float>? classBias = null)
    {
        Shape s = Rank4(logits);
        Expect(ab, new Shape(s[0], 2, s[2], s[3]));
        int plane = s[2] * s[3];
        PaletteDecodeView(logits.View, palette, ab.View, new PaletteDecodeArgs(s[0] * plane, s[1], plane, temperature, 0, 2 * plane, plane, 0), classBias);
    }

    /// <summary>
    /// The palette decode with the layout spelled out in <paramref name="a"/> (the run length is set here):
    /// logits and ab are views, so a prediction's chunks or one pixel of it can be decoded, into an ab tensor
    /// or straight into a Lab picture's a and b planes. <paramref name="classBias"/> [Q]: a palette's
    /// log-weights added to every pixel's logits (none: the model's own distribution).
    /// </summary>
    public static void PaletteDecodeView(Floats logits, Tensor<float> palette, Floats ab, PaletteDecodeArgs a, Tensor<float>? classBias = null)
    {
        Expect(palette, new Shape(a.Classes, 2));
        if (classBias is not null)
            Expect(classBias, new Shape(a.Classes));
        if (!(a.Temperature == 0f || a.Temperature > 0f && float.IsFinite(a.Temperature)))
            throw new ArgumentOutOfRangeException(nameof(a), $"palette decode temperature {a.Temperature}: 0 or a positive number");
        int images = (a.Count + a.Plane - 1) / a.Plane;
        long lastLogit = (long)(images - 1) * a.Classes * a.Plane + (long)(a.Classes - 1) * a.Plane + (a.Count - 1 - (long)(images - 1) * a.Plane);
        if (a.Count < 1 || lastLogit >= logits.Length)
            throw new ArgumentException($"palette decode of {a.Count} pixels over {a.Classes} classes (plane {a.Plane}) reads up to element {lastLogit} of logits of {logits.Length}");
        long last = a.AbOffset + (long)(images - 1) * a.AbImageStride + (a.Count - 1 - (long)(images - 1) * a.Plane) + a.AbChannelStride;
        if (a.AbOffset < 0 || last >= ab.Length)
            throw new ArgumentException($"palette decode of {a.Count} pixels writes up to element {last} of an ab view of {ab.Length}");
        ComputeDevice d = palette.Device;
        ElementLaunch launch = d.Launcher.ForElements(a.Count);
        using (d.Launcher.Time(PaletteDecodeKernel, 6.0 * a.Classes * a.Count, 4.0 * ((a.Classes + 2.0) * a.Count + 2.0 * a.Classes)))
            d.Kernels.Load(PaletteDecodeKernel)(d.Stream, launch.Config, logits, palette.View,
                classBias?.View ?? palette.View.SubView(0, 0), ab,
                new PaletteDecodeArgs(a.Count, a.Classes, a.Plane, a.Temperature, a.AbOffset, a.AbImageStride, a.AbChannelStride, launch.RunLength));
    }
}
