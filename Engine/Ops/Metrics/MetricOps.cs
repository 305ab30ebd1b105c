using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Loss;
using ColorKernels.Kernels.Metrics;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>The evaluation's per-picture sums (Kernels/Metrics; reference MetricReference).</summary>
internal static class MetricOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, BinArgs>> AbErrorHistogramKernel = new(MetricKernels.AbErrorHistogramKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Bytes, Bytes, Floats, ChannelArgs>> RgbStatsKernel = new(MetricKernels.RgbStatsKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> ChromaSumKernel = new(MetricKernels.ChromaSumKernel);

    /// <summary>histogram [2 x ErrorBuckets] += plain and rebalanced ab-error counts of prediction vs truth (Lab [N, 3, H, W]).</summary>
    public static void AbErrorHistogram(Tensor<float> prediction, Tensor<float> truth, Tensor<float> centres, Tensor<float> inversePrior, Tensor<float> histogram)
    {
        Shape s = truth.Shape;
        if (!prediction.Shape.Equals(s))
            throw new ArgumentException($"prediction {prediction.Shape} and truth {s} differ");
        ComputeDevice d = SameDevice(prediction, truth, histogram);
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        using (d.Launcher.Time(AbErrorHistogramKernel, 8.0 * s[0] * s[2] * s[3] * centres.Shape[1], 8.0 * s.Elements))
            d.Kernels.Load(AbErrorHistogramKernel)(d.Stream, l.Config, prediction.View, truth.View, centres.View, inversePrior.View, histogram.View,
                new BinArgs(s[0], s[2] * s[3], centres.Shape[1], 0, 0f, 1f, l.RunLength));
    }

    /// <summary>stats [9] += squared error and the colourfulness sums of two packed 8-bit pictures [1, H, W, 3].</summary>
    public static void RgbStats(Tensor<byte> prediction, Tensor<byte> truth, Tensor<float> stats)
    {
        Shape s = truth.Shape;
        if (!prediction.Shape.Equals(s))
            throw new ArgumentException($"prediction {prediction.Shape} and truth {s} differ");
        ComputeDevice d = SameDevice(prediction, truth, stats);
        int pixels = s[0] * s[1] * s[2];
        ElementLaunch l = d.Launcher.ForElements(pixels);
        using (d.Launcher.Time(RgbStatsKernel, 20.0 * pixels, 6.0 * pixels))
            d.Kernels.Load(RgbStatsKernel)(d.Stream, l.Config, prediction.View, truth.View, stats.View, new ChannelArgs(1, 1, pixels, l.RunLength));
    }

    /// <summary>sums [2] += total chroma of prediction and of truth (Lab [N, 3, H, W]).</summary>
    public static void ChromaSums(Tensor<float> prediction, Tensor<float> truth, Tensor<float> sums)
    {
        Shape s = truth.Shape;
        if (!prediction.Shape.Equals(s))
            throw new ArgumentException($"prediction {prediction.Shape} and truth {s} differ");
        ComputeDevice d = SameDevice(prediction, truth, sums);
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        using (d.Launcher.Time(ChromaSumKernel, 6.0 * s[0] * s[2] * s[3], 16.0 * s[0] * s[2] * s[3]))
            d.Kernels.Load(ChromaSumKernel)(d.Stream, l.Config, prediction.View, truth.View, sums.View, new ChannelArgs(s[0], 3, s[2] * s[3], l.RunLength));
    }
}
