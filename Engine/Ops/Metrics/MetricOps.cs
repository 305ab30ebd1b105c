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

/// <summary>
/// The evaluation's per-picture sums (Kernels/Metrics; reference MetricReference), deterministic: per-thread
/// partial sums added in index order, and the histogram's buckets summed in pixel order, so one evaluation
/// gives the same digits on every run (float atomics did not).
/// </summary>
internal static class MetricOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Ints, Floats, BinArgs>> AbErrorBucketKernel = new(MetricKernels.AbErrorBucketKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Ints, Floats, Floats, BinArgs>> AbErrorHistogramKernel = new(MetricKernels.AbErrorHistogramKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Bytes, Bytes, Floats, ChannelArgs>> RgbStatsKernel = new(MetricKernels.RgbStatsKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, ChannelArgs>> ChromaSumKernel = new(MetricKernels.ChromaSumKernel);

    /// <summary>histogram [2 x ErrorBuckets] += plain and rebalanced ab-error counts of prediction vs truth (Lab [N, 3, H, W]).</summary>
    public static void AbErrorHistogram(Tensor<float> prediction, Tensor<float> truth, Tensor<float> centres, Tensor<float> inversePrior, Tensor<float> histogram)
    {
        Shape s = truth.Shape;
        if (!prediction.Shape.Equals(s))
            throw new ArgumentException($"prediction {prediction.Shape} and truth {s} differ");
        ComputeDevice d = SameDevice(prediction, truth, histogram);
        int pixels = s[0] * s[2] * s[3];
        ElementLaunch l = d.Launcher.ForElements(pixels);
        using Tensor<int> bucket = d.Allocate<int>("ab_error_bucket", new Shape(pixels));
        using Tensor<float> weight = d.Allocate<float>("ab_error_weight", new Shape(pixels));
        using (d.Launcher.Time(AbErrorBucketKernel, 8.0 * pixels * centres.Shape[1], 8.0 * s.Elements + 8.0 * pixels))
            d.Kernels.Load(AbErrorBucketKernel)(d.Stream, l.Config, prediction.View, truth.View, centres.View, inversePrior.View, bucket.View, weight.View,
                new BinArgs(s[0], s[2] * s[3], centres.Shape[1], 0, 0f, 1f, l.RunLength));
        ElementLaunch buckets = d.Launcher.ForElements(MetricKernels.ErrorBuckets);
        using (d.Launcher.Time(AbErrorHistogramKernel, 2.0 * pixels * MetricKernels.ErrorBuckets, 8.0 * pixels * MetricKernels.ErrorBuckets))
            d.Kernels.Load(AbErrorHistogramKernel)(d.Stream, buckets.Config, bucket.View, weight.View, histogram.View,
                new BinArgs(s[0], s[2] * s[3], centres.Shape[1], 0, 0f, 1f, buckets.RunLength));
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
        int threads = l.Config.GridDim.X * l.Config.GroupDim.X;
        using Tensor<float> partials = d.Allocate<float>("rgb_stats_partials", new Shape(9, threads));
        using (d.Launcher.Time(RgbStatsKernel, 20.0 * pixels, 6.0 * pixels + 36.0 * threads))
            d.Kernels.Load(RgbStatsKernel)(d.Stream, l.Config, prediction.View, truth.View, partials.View, new ChannelArgs(1, 1, pixels, l.RunLength));
        AddPartials(d, partials, stats, 9, threads);
    }

    /// <summary>sums [2] += total chroma of prediction and of truth (Lab [N, 3, H, W]).</summary>
    public static void ChromaSums(Tensor<float> prediction, Tensor<float> truth, Tensor<float> sums)
    {
        Shape s = truth.Shape;
        if (!prediction.Shape.Equals(s))
            throw new ArgumentException($"prediction {prediction.Shape} and truth {s} differ");
        ComputeDevice d = SameDevice(prediction, truth, sums);
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        int threads = l.Config.GridDim.X * l.Config.GroupDim.X;
        using Tensor<float> partials = d.Allocate<float>("chroma_partials", new Shape(2, threads));
        using (d.Launcher.Time(ChromaSumKernel, 6.0 * s[0] * s[2] * s[3], 16.0 * s[0] * s[2] * s[3] + 8.0 * threads))
            d.Kernels.Load(ChromaSumKernel)(d.Stream, l.Config, prediction.View, truth.View, partials.View, new ChannelArgs(s[0], 3, s[2] * s[3], l.RunLength));
        AddPartials(d, partials, sums, 2, threads);
    }

    /// <summary>result[k] += the sum of partials [quantities, threads]'s row k, in thread order, for each quantity k.</summary>
    private static void AddPartials(ComputeDevice d, Tensor<float> partials, Tensor<float> result, int quantities, int threads)
    {
        for (int k = 0; k < quantities; k++)
            BufferOps.AddPartials(d, partials.View.SubView(k * threads, threads), result.View.SubView(k, 1), threads);
    }
}
