using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Loss;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// Soft-encoding onto the ab bins and the losses with their gradients (Kernels/Loss; reference
/// LossReference): fused softmax cross-entropy for the classification head, L2 for the regression head,
/// and the bin histogram and colourful-image test the training data needs.
/// </summary>
internal static class LossOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Ints, Floats, Floats, BinArgs>> SoftEncodeKernel = new(LossKernels.SoftEncodeKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Ints, Floats, Floats, Floats, Floats, BinArgs>> SoftmaxCrossEntropyKernel = new(LossKernels.SoftmaxCrossEntropyKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, BinArgs>> L2RegressionKernel = new(LossKernels.L2RegressionKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, BinArgs>> SmoothL1Kernel = new(LossKernels.SmoothL1Kernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Ints, BinArgs>> BinHistogramKernel = new(LossKernels.BinHistogramKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, BinArgs>> ColourfulImageKernel = new(LossKernels.ColourfulImageKernel);

    /// <summary>Soft-encodes ab [N, 2, H, W] onto the K nearest of the centres [2, Q]; see LossKernels.SoftEncodeKernel.</summary>
    public static void SoftEncode(Tensor<float> ab, Tensor<float> centres, Tensor<float> classWeight, Tensor<float> imageWeight,
        Tensor<int> index, Tensor<float> weight, Tensor<float> pixelWeight, int k, float sigma)
    {
        Shape s = ab.Shape;
        int q = centres.Shape[1], n = s[0], plane = s[2] * s[3];
        if (k < 1 || k > q)
            throw new UserErrorException($"soft-encoding neighbours {k}: must be between 1 and {q}");
        Expect(classWeight, new Shape(q));
        Expect(imageWeight, new Shape(n));
        Expect(index, Shape.Nchw(n, k, s[2], s[3]));
        Expect(weight, Shape.Nchw(n, k, s[2], s[3]));
        Expect(pixelWeight, new Shape(n, s[2], s[3]));
        ComputeDevice d = ab.Device;
        ElementLaunch l = d.Launcher.ForElements(n * plane);
        using (d.Launcher.Time(SoftEncodeKernel, 6.0 * n * plane * q, 4.0 * n * plane * (3 + 2 * k)))
            d.Kernels.Load(SoftEncodeKernel)(d.Stream, l.Config, ab.View, centres.View, classWeight.View, imageWeight.View,
                index.View, weight.View, pixelWeight.View, new BinArgs(n, plane, q, k, sigma, 1f, l.RunLength));
    }

    /// <summary>Fused softmax cross-entropy: per-pixel loss [N, H, W] and dLogits (x gradScale), see LossKernels.</summary>
    public static void SoftmaxCrossEntropy(Tensor<float> logits, Tensor<int> index, Tensor<float> weight, Tensor<float> pixelWeight,
        Tensor<float> loss, Tensor<float> dLogits, float gradScale)
    {
        Shape s = logits.Shape;
        int n = s[0], q = s[1], k = index.Shape[1], plane = s[2] * s[3];
        Expect(dLogits, s);
        Expect(loss, new Shape(n, s[2], s[3]));
        Expect(pixelWeight, new Shape(n, s[2], s[3]));
        Expect(weight, Shape.Nchw(n, k, s[2], s[3]));
        ComputeDevice d = logits.Device;
        ElementLaunch l = d.Launcher.ForElements(n * plane);
        using (d.Launcher.Time(SoftmaxCrossEntropyKernel, 5.0 * s.Elements, 8.0 * s.Elements))
            d.Kernels.Load(SoftmaxCrossEntropyKernel)(d.Stream, l.Config, logits.View, index.View, weight.View, pixelWeight.View,
                loss.View, dLogits.View, new BinArgs(n, plane, q, k, 0f, gradScale, l.RunLength));
    }

    /// <summary>L2 regression loss and gradient (x gradScale) of prediction against target, both [N, 2, H, W].</summary>
    public static void L2Regression(Tensor<float> prediction, Tensor<float> target, Tensor<float> pixelWeight, Tensor<float> loss,
        Tensor<float> dPrediction, float gradScale)
    {
        Shape s = prediction.Shape;
        Expect(target, s);
        Expect(dPrediction, s);
        Expect(loss, new Shape(s[0], s[2], s[3]));
        Expect(pixelWeight, new Shape(s[0], s[2], s[3]));
        ComputeDevice d = prediction.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        using (d.Launcher.Time(L2RegressionKernel, 4.0 * s.Elements, 12.0 * s.Elements))
            d.Kernels.Load(L2RegressionKernel)(d.Stream, l.Config, prediction.View, target.View, pixelWeight.View, loss.View,
                dPrediction.View, new BinArgs(s[0], s[2] * s[3], 2, 1, 0f, gradScale, l.RunLength));
    }

    /// <summary>Smooth-L1 loss of threshold <paramref name="delta"/> and its gradient (x gradScale) of prediction against target, both [N, 2, H, W].</summary>
    public static void SmoothL1(Tensor<float> prediction, Tensor<float> target, Tensor<float> pixelWeight, Tensor<float> loss,
        Tensor<float> dPrediction, float delta, float gradScale)
    {
        Shape s = prediction.Shape;
        Expect(target, s);
        Expect(dPrediction, s);
        Expect(loss, new Shape(s[0], s[2], s[3]));
        Expect(pixelWeight, new Shape(s[0], s[2], s[3]));
        if (!(delta > 0))
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "the smooth-L1 threshold must be above 0");
        ComputeDevice d = prediction.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        using (d.Launcher.Time(SmoothL1Kernel, 6.0 * s.Elements, 12.0 * s.Elements))
            d.Kernels.Load(SmoothL1Kernel)(d.Stream, l.Config, prediction.View, target.View, pixelWeight.View, loss.View,
                dPrediction.View, new BinArgs(s[0], s[2] * s[3], 2, 1, delta, gradScale, l.RunLength));
    }

    /// <summary>counts[q] += pixels of ab [N, 2, H, W] nearest to centre q.</summary>
    public static void BinHistogram(Tensor<float> ab, Tensor<float> centres, Tensor<int> counts)
    {
        Shape s = ab.Shape;
        int q = centres.Shape[1];
        Expect(counts, new Shape(q));
        ComputeDevice d = ab.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0] * s[2] * s[3]);
        using (d.Launcher.Time(BinHistogramKernel, 4.0 * s[0] * s[2] * s[3] * q, 4.0 * s.Elements))
            d.Kernels.Load(BinHistogramKernel)(d.Stream, l.Config, ab.View, centres.View, counts.View, new BinArgs(s[0], s[2] * s[3], q, 1, 0f, 1f, l.RunLength));
    }

    /// <summary>imageWeight[n] = 1 when image n of ab [N, 2, H, W] has some |a| or |b| above <paramref name="threshold"/>, else 0.</summary>
    public static void ColourfulImages(Tensor<float> ab, Tensor<float> imageWeight, float threshold)
    {
        Shape s = ab.Shape;
        Expect(imageWeight, new Shape(s[0]));
        ComputeDevice d = ab.Device;
        ElementLaunch l = d.Launcher.ForElements(s[0]);
        using (d.Launcher.Time(ColourfulImageKernel, s.Elements, 4.0 * s.Elements))
            d.Kernels.Load(ColourfulImageKernel)(d.Stream, l.Config, ab.View, imageWeight.View, new BinArgs(s[0], s[2] * s[3], 0, 0, threshold, 1f, l.RunLength));
    }
}
