using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Activation;

/// <summary>ReLU forward and backward, element-wise over any shape; threads take runs of elements.</summary>
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
}
