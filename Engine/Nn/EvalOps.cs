using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Loss;

namespace ColorKernels.Engine.Nn;

/// <summary>Host side of the evaluation kernels (Kernels/Metrics).</summary>
public static class EvalOps
{
    /// <summary>histogram [304] += plain and rebalanced ab-error counts of prediction vs truth (Lab [N, 3, H, W]).</summary>
    public static void AbErrorHistogram(Tensor<float> prediction, Tensor<float> truth, Tensor<float> centres, Tensor<float> inversePrior, Tensor<float> histogram)
    {
        Shape s = truth.Shape;
        if (!prediction.Shape.Equals(s))
            throw new ArgumentException($"prediction {prediction.Shape} and truth {s} differ");
        ComputeDevice d = truth.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        d.Launcher.Launch(d.Kernels.AbErrorHistogram, l.Config, prediction.View, truth.View, centres.View, inversePrior.View, histogram.View,
            new BinArgs(s[0], s[2] * s[3], centres.Shape[1], 0, 0f, 1f, l.RunLength));
    }

    /// <summary>stats [9] += squared error and the colourfulness sums of two packed 8-bit pictures [1, H, W, 3].</summary>
    public static void RgbStats(Tensor<byte> prediction, Tensor<byte> truth, Tensor<float> stats)
    {
        Shape s = truth.Shape;
        ComputeDevice d = truth.Device;
        int pixels = s[0] * s[1] * s[2];
        ElementLaunch l = d.Launcher.ForElements(pixels);
        d.Launcher.Launch(d.Kernels.RgbStats, l.Config, prediction.View, truth.View, stats.View, new ChannelArgs(1, 1, pixels, 0f, l.RunLength));
    }

    /// <summary>sums [2] += total chroma of prediction and of truth (Lab [N, 3, H, W]).</summary>
    public static void ChromaSums(Tensor<float> prediction, Tensor<float> truth, Tensor<float> sums)
    {
        Shape s = truth.Shape;
        ComputeDevice d = truth.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        d.Launcher.Launch(d.Kernels.ChromaSum, l.Config, prediction.View, truth.View, sums.View, new ChannelArgs(s[0], 3, s[2] * s[3], 0f, l.RunLength));
    }
}
