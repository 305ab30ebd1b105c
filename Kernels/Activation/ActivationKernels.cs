using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Activation;

/// <summary>ReLU and tanh, forward and backward, element-wise over any shape; threads take runs of elements.</summary>
public static class ActivationKernels
{
    /// <summary>ReluKernel: y = max(x, 0), any shape (x and y may be the same buffer). Thread: elements.</summary>
    public static void ReluKernel(ArrayView<float> x, ArrayView<float> y, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                y[i] = x[i] > 0f ? x[i] : 0f;
    }

    /// <summary>ReluBackwardKernel: dx = dy where the ReLU's output y > 0, else 0 (assigns). Thread: elements.</summary>
    public static void ReluBackwardKernel(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                dx[i] = y[i] > 0f ? dy[i] : 0f;
    }

    /// <summary>
    /// TanhKernel: y = tanh(x), any shape (x and y may be the same buffer): the hint network's ab head, which
    /// bounds its output to (-1, 1) x ab_scale. Thread: elements.
    /// </summary>
    public static void TanhKernel(ArrayView<float> x, ArrayView<float> y, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                // 1 - 2 / (e^2x + 1), not MathF.Tanh: that would be an unresolved extern in PTX (as Cbrt is);
                // e^2x overflowing to infinity gives exactly 1, underflowing to 0 exactly -1.
                y[i] = 1f - 2f / (MathF.Exp(2f * x[i]) + 1f);
            }
    }

    /// <summary>TanhBackwardKernel: dx = dy (1 - y^2), y the tanh's output (assigns; dy and dx may be the same buffer). Thread: elements.</summary>
    public static void TanhBackwardKernel(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
            {
                float v = y[i];
                dx[i] = dy[i] * (1f - v * v);
            }
    }
}
