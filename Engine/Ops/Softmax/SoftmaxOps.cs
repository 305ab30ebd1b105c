using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Softmax;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>Softmax across channels and the annealed mean over the ab bins (Kernels/Softmax; reference SoftmaxReference).</summary>
internal static class SoftmaxOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, ChannelArgs>> SoftmaxChannelsKernel = new(SoftmaxKernels.SoftmaxChannelsKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> AnnealedMeanKernel = new(SoftmaxKernels.AnnealedMeanKernel);

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
                new ChannelArgs(s[0], s[1], s[2] * s[3], temperature, launch.RunLength));
    }

    /// <summary>ab [N, 2, H, W] = expected decode[:, q] under softmax(logits / T); logits [N, Q, H, W], decode [2, Q].</summary>
    public static void AnnealedMean(Tensor<float> logits, Tensor<float> decode, Tensor<float> ab, float temperature)
    {
        Shape s = Rank4(logits);
        Expect(decode, new Shape(2, s[1]));
        Expect(ab, new Shape(s[0], 2, s[2], s[3]));
        CheckTemperature(temperature);
        ComputeDevice d = SameDevice(logits, decode, ab);
        ElementLaunch launch = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        using (d.Launcher.Time(AnnealedMeanKernel, 5.0 * s.Elements, 4.0 * (s.Elements + 2 * s[0] * s[2] * s[3])))
            d.Kernels.Load(AnnealedMeanKernel)(d.Stream, launch.Config, logits.View, decode.View, ab.View,
                new ChannelArgs(s[0], s[1], s[2] * s[3], temperature, launch.RunLength));
    }
}
