using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.BatchNorm;
using ColorKernels.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;
using static ColorKernels.Engine.Ops.OpChecks;

namespace ColorKernels.Engine.Ops;

/// <summary>
/// Batch norm over NCHW tensors (Kernels/BatchNorm; reference BatchNormReference): inference with given
/// statistics, the training forward pass with batch statistics, and its backward pass. Activation
/// gradients are assigned; parameter gradients accumulate.
/// </summary>
internal static class BatchNormOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, BatchNormArgs>> InferenceKernel = new(BatchNormKernels.BatchNormInferenceKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, BatchNormArgs>> StatsKernel = new(BatchNormKernels.BatchNormStatsKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, BatchNormArgs>> RunningUpdateKernel = new(BatchNormKernels.BatchNormRunningUpdateKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, BatchNormArgs>> BackwardReduceKernel = new(BatchNormKernels.BatchNormBackwardReduceKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, Floats, Floats, Floats, Floats, BatchNormArgs>> BackwardDataKernel = new(BatchNormKernels.BatchNormBackwardDataKernel);

    /// <summary>Inference batch norm: y = (x - mean) / sqrt(var + eps) (* gamma + beta when affine); x and y may be one tensor.</summary>
    public static void Inference(Tensor<float> x, Tensor<float> mean, Tensor<float> variance,
        Tensor<float>? gamma, Tensor<float>? beta, Tensor<float> y, float eps = 1e-5f)
    {
        Shape s = Rank4(x);
        Expect(y, s);
        var perChannel = new Shape(s[1]);
        Expect(mean, perChannel);
        Expect(variance, perChannel);
        if ((gamma is null) != (beta is null))
            throw new ArgumentException("batch norm: give both gamma and beta, or neither");
        if (gamma is not null)
        {
            Expect(gamma, perChannel);
            Expect(beta!, perChannel);
        }
        ComputeDevice d = SameDevice(x, mean, y);
        ElementLaunch launch = d.Launcher.ForElements(s.Elements);
        var args = new BatchNormArgs(s[0], s[1], s[2] * s[3], launch.RunLength, eps, affine: gamma is not null);
        using (d.Launcher.Time(InferenceKernel, 4.0 * s.Elements, 8.0 * s.Elements))
            d.Kernels.Load(InferenceKernel)(d.Stream, launch.Config, x.View, mean.View, variance.View,
                (gamma ?? mean).View, (beta ?? mean).View, y.View, args);
    }

    /// <summary>
    /// Training-mode batch norm: batch statistics into <paramref name="stats"/> [2C] (means, biased
    /// variances), y = (x - mean) / sqrt(var + eps) * gamma + beta, and (when <paramref name="momentum"/> &gt; 0)
    /// the running statistics updated. x and y may be one tensor only if the caller keeps x elsewhere for the backward pass.
    /// </summary>
    public static void TrainingForward(Tensor<float> x, Tensor<float> gamma, Tensor<float> beta, Tensor<float> runningMean,
        Tensor<float> runningVar, Tensor<float> stats, Tensor<float> y, float eps, float momentum)
    {
        Shape s = x.Shape;
        int c = s[1];
        Expect(stats, new Shape(2 * c));
        Expect(y, s);
        ComputeDevice d = x.Device;
        ElementLaunch lc = d.Launcher.ForElements(c);
        using (d.Launcher.Time(StatsKernel, 3.0 * s.Elements, 8.0 * s.Elements))
            d.Kernels.Load(StatsKernel)(d.Stream, lc.Config, x.View, stats.View, new BatchNormArgs(s[0], c, s[2] * s[3], lc.RunLength, eps, affine: true));
        ElementLaunch le = d.Launcher.ForElements(s.Elements);
        using (d.Launcher.Time(InferenceKernel, 4.0 * s.Elements, 8.0 * s.Elements))
            d.Kernels.Load(InferenceKernel)(d.Stream, le.Config, x.View, stats.Range(0, c), stats.Range(c, c),
                gamma.View, beta.View, y.View, new BatchNormArgs(s[0], c, s[2] * s[3], le.RunLength, eps, affine: true));
        if (momentum > 0)
            using (d.Launcher.Time(RunningUpdateKernel, 7.0 * c, 24.0 * c))
                d.Kernels.Load(RunningUpdateKernel)(d.Stream, lc.Config, stats.View, runningMean.View, runningVar.View,
                    new BatchNormArgs(s[0], c, s[2] * s[3], lc.RunLength, eps, affine: true, momentum));
    }

    /// <summary>Backward of <see cref="TrainingForward"/>: dx assigned; dGamma, dBeta accumulated. <paramref name="sums"/> [2C] is scratch.</summary>
    public static void Backward(Tensor<float> x, Tensor<float> dy, Tensor<float> stats, Tensor<float> gamma, Tensor<float> sums,
        Tensor<float> dx, Tensor<float> dGamma, Tensor<float> dBeta, float eps)
    {
        Shape s = x.Shape;
        int c = s[1];
        Expect(dy, s);
        Expect(dx, s);
        Expect(sums, new Shape(2 * c));
        ComputeDevice d = x.Device;
        ElementLaunch lc = d.Launcher.ForElements(c);
        using (d.Launcher.Time(BackwardReduceKernel, 4.0 * s.Elements, 8.0 * s.Elements))
            d.Kernels.Load(BackwardReduceKernel)(d.Stream, lc.Config, x.View, dy.View, stats.View, sums.View, new BatchNormArgs(s[0], c, s[2] * s[3], lc.RunLength, eps, affine: true));
        ElementLaunch le = d.Launcher.ForElements(s.Elements);
        using (d.Launcher.Time(BackwardDataKernel, 6.0 * s.Elements, 12.0 * s.Elements))
            d.Kernels.Load(BackwardDataKernel)(d.Stream, le.Config, x.View, dy.View, stats.View, gamma.View, sums.View, dx.View,
                new BatchNormArgs(s[0], c, s[2] * s[3], le.RunLength, eps, affine: true));
        BufferOps.Accumulate(d, sums.Range(c, c), dGamma.View, c);
        BufferOps.Accumulate(d, sums.Range(0, c), dBeta.View, c);
    }
}
