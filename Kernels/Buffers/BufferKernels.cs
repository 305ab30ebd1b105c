using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Buffers;

/// <summary>Small whole-buffer kernels: fill, accumulate, sum of squares (deterministic two-stage reduction).</summary>
public static class BufferKernels
{
    /// <summary>FillKernel: x[i] = Value for i &lt; Count (zeroing gradients, poisoning). Thread: elements.</summary>
    public static void FillKernel(ArrayView<float> x, BufferArgs a)
    {
        int total = a.Count, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                x[i] = a.Value;
    }

    /// <summary>AccumulateKernel: dst[i] += src[i] for i &lt; Count (parameter gradients from per-step sums). Thread: elements.</summary>
    public static void AccumulateKernel(ArrayView<float> src, ArrayView<float> dst, BufferArgs a)
    {
        int total = a.Count, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                dst[i] += src[i];
    }

    /// <summary>
    /// SumOfSquaresKernel: partials[t] = sum of x[i]^2 over the elements thread t owns (assigns; one slot per
    /// thread of the launch, so the caller's partials hold at least grid x group floats). No atomics: the
    /// result does not depend on thread timing, which keeps training bit-reproducible (gradient clipping
    /// uses it). Thread: elements.
    /// </summary>
    public static void SumOfSquaresKernel(ArrayView<float> x, ArrayView<float> partials, BufferArgs a)
    {
        int total = a.Count, run = a.RunLength;
        float sum = 0f;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, total); i < end; i++)
                sum += x[i] * x[i];
        partials[Grid.GlobalIndex.X] = sum;
    }

    /// <summary>
    /// SumPartialsKernel: result[0] += partials[0] + ... + partials[Count - 1], in that order, by one
    /// thread (the partials are a few thousand at most). Thread: one.
    /// </summary>
    public static void SumPartialsKernel(ArrayView<float> partials, ArrayView<float> result, BufferArgs a)
    {
        if (Grid.GlobalIndex.X != 0)
            return;
        float sum = 0f;
        for (int i = 0; i < a.Count; i++)
            sum += partials[i];
        result[0] += sum;
    }

    /// <summary>
    /// PeakFlopsKernel: a compute-bound probe for the profiler. Each thread runs eight independent chains of
    /// Iterations-many multiply-adds on registers (16 flops per iteration; eight chains hide the latency of
    /// a multiply-add on CPUs and GPUs alike) and writes one value, so memory traffic is negligible.
    /// x [threads]. Thread: one slot each.
    /// </summary>
    public static void PeakFlopsKernel(ArrayView<float> x, BufferArgs a)
    {
        int t = Grid.GlobalIndex.X;
        if (t >= a.Count)
            return;
        float v0 = t * 1e-7f, v1 = v0 + 0.1f, v2 = v0 + 0.2f, v3 = v0 + 0.3f;
        float v4 = v0 + 0.4f, v5 = v0 + 0.5f, v6 = v0 + 0.6f, v7 = v0 + 0.7f;
        int iterations = a.Iterations;
        for (int i = 0; i < iterations; i++)
        {
            v0 = v0 * 0.999f + 0.001f;
            v1 = v1 * 0.999f + 0.001f;
            v2 = v2 * 0.999f + 0.001f;
            v3 = v3 * 0.999f + 0.001f;
            v4 = v4 * 0.999f + 0.001f;
            v5 = v5 * 0.999f + 0.001f;
            v6 = v6 * 0.999f + 0.001f;
            v7 = v7 * 0.999f + 0.001f;
        }
        x[t] = v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7;
    }
}

/// <summary>
/// A whole-buffer launch: <see cref="Count"/> elements in runs of <see cref="RunLength"/>, the value a fill
/// stores, and the multiply-add iterations of the peak-FLOPs probe.
/// </summary>
public readonly struct BufferArgs
{
    public BufferArgs(int count, int runLength, float value = 0f, int iterations = 0)
    {
        Count = count;
        RunLength = runLength;
        Value = value;
        Iterations = iterations;
    }

    public int Count { get; }
    public int RunLength { get; }

    /// <summary>FillKernel: the value stored.</summary>
    public float Value { get; }

    /// <summary>PeakFlopsKernel: multiply-adds per chain.</summary>
    public int Iterations { get; }
}
