using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Normalization;

/// <summary>Batch norm (inference) and ReLU over NCHW tensors; element-wise, threads take runs of elements.</summary>
public static class NormalizationKernels
{
    /// <summary>
    /// BatchNormInferenceKernel: y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c] (gamma = 1,
    /// beta = 0 unless Flags = 1, affine). x, y [N, C, H, W] (may be the same buffer); statistics [C].
    /// Parameter = eps. Thread: elements.
    /// </summary>
    public static void BatchNormInferenceKernel(ArrayView<float> x, ArrayView<float> mean, ArrayView<float> variance,
        ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                int c = i / a.Plane % a.Channels;
                float v = (x[i] - mean[c]) / MathF.Sqrt(variance[c] + a.Parameter);
                y[i] = a.Flags == 1 ? v * gamma[c] + beta[c] : v;
            }
    }

    /// <summary>ReluKernel: y = max(x, 0), any shape (x and y may be the same buffer). Thread: elements.</summary>
    public static void ReluKernel(ArrayView<float> x, ArrayView<float> y, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                y[i] = x[i] > 0f ? x[i] : 0f;
    }
}
