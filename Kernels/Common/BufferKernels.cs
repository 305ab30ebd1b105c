using ILGPU;

namespace ColorKernels.Kernels.Common;

/// <summary>Small whole-buffer kernels: fill, accumulate, sum of squares.</summary>
public static class BufferKernels
{
    /// <summary>FillKernel: x[i] = Parameter for i &lt; Elements (zeroing gradients, poisoning). Thread: elements.</summary>
    public static void FillKernel(ArrayView<float> x, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                x[i] = a.Parameter;
    }

    /// <summary>AccumulateKernel: dst[i] += Parameter * src[i] (parameter gradients from per-step sums). Thread: elements.</summary>
    public static void AccumulateKernel(ArrayView<float> src, ArrayView<float> dst, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                dst[i] += a.Parameter * src[i];
    }

    /// <summary>
    /// SumOfSquaresKernel: result[0] += sum of x[i]^2 (each thread sums its elements, then one atomic add;
    /// the caller zeroes result). For gradient-norm clipping. Thread: elements.
    /// </summary>
    public static void SumOfSquaresKernel(ArrayView<float> x, ArrayView<float> result, ChannelArgs a)
    {
        int total = a.Elements, run = a.RunLength;
        float sum = 0f;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                sum += x[i] * x[i];
        if (sum != 0f)
            Atomic.Add(ref result[0], sum);
    }
}
