using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Buffers;
using ColorKernels.Kernels.Common;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Ops;

/// <summary>Whole-buffer ops (Kernels/Buffers): fill, accumulate, a deterministic sum of squares, and the profiler's arithmetic probe.</summary>
internal static class BufferOps
{
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, BufferArgs>> FillKernel = new(BufferKernels.FillKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, BufferArgs>> AccumulateKernel = new(BufferKernels.AccumulateKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, BufferArgs>> SumOfSquaresKernel = new(BufferKernels.SumOfSquaresKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, Floats, BufferArgs>> SumPartialsKernel = new(BufferKernels.SumPartialsKernel);
    private static readonly Kernel<Action<AcceleratorStream, KernelConfig, Floats, BufferArgs>> PeakFlopsKernel = new(BufferKernels.PeakFlopsKernel);

    /// <summary>Sets every element of <paramref name="t"/> to <paramref name="value"/>.</summary>
    public static void Fill(Tensor<float> t, float value)
    {
        ComputeDevice d = t.Device;
        ElementLaunch l = d.Launcher.ForElements(t.Elements);
        using (d.Launcher.Time(FillKernel, 0, 4.0 * t.Elements))
            d.Kernels.Load(FillKernel)(d.Stream, l.Config, t.View, new BufferArgs(t.Elements, l.RunLength, value));
    }

    /// <summary>destination += source, element-wise, for tensors of one shape.</summary>
    public static void Accumulate(Tensor<float> source, Tensor<float> destination)
    {
        OpChecks.Expect(destination, source.Shape);
        Accumulate(OpChecks.SameDevice(source, destination, destination), source.View, destination.View, source.Elements);
    }

    /// <summary>destination[i] += source[i] for i &lt; <paramref name="count"/>, on views (batch norm's per-channel sums).</summary>
    internal static void Accumulate(ComputeDevice d, Floats source, Floats destination, int count)
    {
        ElementLaunch l = d.Launcher.ForElements(count);
        using (d.Launcher.Time(AccumulateKernel, count, 12.0 * count))
            d.Kernels.Load(AccumulateKernel)(d.Stream, l.Config, source, destination, new BufferArgs(count, l.RunLength));
    }

    /// <summary>
    /// result[0] += partials[0] + ... + partials[count - 1] in that order, by one thread (views: the metrics'
    /// per-thread partial sums, one quantity at a time): a sum that gives the same digits on every run.
    /// </summary>
    internal static void AddPartials(ComputeDevice d, Floats partials, Floats result, int count)
    {
        using (d.Launcher.Time(SumPartialsKernel, count, 4.0 * count))
            d.Kernels.Load(SumPartialsKernel)(d.Stream, new KernelConfig(1, 1), partials, result, new BufferArgs(count, 1));
    }

    /// <summary>
    /// result[0] += sum of squares of <paramref name="t"/>, reduced deterministically through
    /// <paramref name="partials"/> (at least <see cref="Launcher.MaxElementThreads"/> floats of scratch).
    /// </summary>
    public static void AddSumOfSquares(Tensor<float> t, Tensor<float> partials, Tensor<float> result)
    {
        ComputeDevice d = t.Device;
        ElementLaunch l = d.Launcher.ForElements(t.Elements);
        int threads = l.Config.GridDim.X * l.Config.GroupDim.X;
        if (partials.Elements < threads)
            throw new ArgumentException($"partials '{partials.Name}' holds {partials.Elements} floats; this launch needs {threads}");
        using (d.Launcher.Time(SumOfSquaresKernel, 2.0 * t.Elements, 4.0 * (t.Elements + threads)))
            d.Kernels.Load(SumOfSquaresKernel)(d.Stream, l.Config, t.View, partials.View, new BufferArgs(t.Elements, l.RunLength));
        using (d.Launcher.Time(SumPartialsKernel, threads, 4.0 * threads))
            d.Kernels.Load(SumPartialsKernel)(d.Stream, new KernelConfig(1, 1), partials.View, result.View, new BufferArgs(threads, 1));
    }

    /// <summary>
    /// The profiler's compute-bound probe: <paramref name="slots"/>.Elements threads each run
    /// <paramref name="iterations"/> x 16 flops on registers and write one value.
    /// </summary>
    public static void PeakFlops(Tensor<float> slots, int iterations)
    {
        ComputeDevice d = slots.Device;
        int threads = slots.Elements;
        // One thread a slot (not grid-stride): the device's element group size, as many groups as the slots need.
        int group = d.Launcher.ForElements(threads).Config.GroupDim.X;
        using (d.Launcher.Time(PeakFlopsKernel, 16.0 * threads * iterations, 4.0 * threads))
            d.Kernels.Load(PeakFlopsKernel)(d.Stream, new KernelConfig((threads + group - 1) / group, group), slots.View,
                new BufferArgs(threads, 1, iterations: iterations));
    }
}
