using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Launch;

/// <summary>Launch geometry of an element-wise kernel: the grid, and how many consecutive elements a thread takes per step.</summary>
public readonly record struct ElementLaunch(KernelConfig Config, int RunLength);

/// <summary>Per-kernel totals gathered while profiling is on.</summary>
public sealed class KernelTiming
{
    public int Launches { get; internal set; }
    public double TotalMilliseconds { get; internal set; }

    /// <summary>Floating-point operations and compulsory memory traffic of the launches that declared them (0 when none did).</summary>
    public double Flops { get; internal set; }
    public double Bytes { get; internal set; }
}

/// <summary>One launch in a trace: kernel name, start and duration in microseconds since tracing began.</summary>
public readonly record struct TraceEvent(string Name, double StartMicroseconds, double DurationMicroseconds);

/// <summary>
/// The one place kernels are launched from. It picks launch shapes for the accelerator and, when
/// <see cref="Profiling"/> is on, times each launch by name (synchronising around it). With profiling
/// off a launch is the bare delegate call.
/// </summary>
public sealed class Launcher
{
    private readonly Accelerator accelerator;
    private readonly AcceleratorStream stream;
    private readonly Dictionary<string, KernelTiming> timings = new();
    private readonly Stopwatch stopwatch = new();

    internal Launcher(Accelerator accelerator, AcceleratorStream stream)
    {
        this.accelerator = accelerator;
        this.stream = stream;
    }

    public bool Profiling { get; set; }

    /// <summary>
    /// Forces the run length of element-wise launches; tests use 1 to run the GPU's grid-stride mapping on
    /// the CPU accelerator, and odd values to check partial runs. Null: the device's own choice.
    /// </summary>
    internal int? RunLengthOverride { get; set; }

    public IReadOnlyDictionary<string, KernelTiming> Timings => timings;

    /// <summary>Every launch while profiling, in order (for Chrome/Perfetto traces).</summary>
    public IReadOnlyList<TraceEvent> Trace => trace;

    private readonly List<TraceEvent> trace = new();
    private double pendingFlops, pendingBytes;

    public void ResetTimings()
    {
        timings.Clear();
        trace.Clear();
    }

    /// <summary>
    /// Declares the floating-point operations and the compulsory memory traffic (each input read once,
    /// each output written once) of the next launch, for the profiler's GFLOP/s and GB/s. Free when
    /// profiling is off.
    /// </summary>
    public void Cost(double flops, double bytes)
    {
        if (!Profiling)
            return;
        pendingFlops = flops;
        pendingBytes = bytes;
    }

    /// <summary>The most threads <see cref="ForElements"/> ever launches: the size of a per-thread partials buffer.</summary>
    public int MaxElementThreads => ForElements(int.MaxValue / 2).Config.GridDim.X * ForElements(int.MaxValue / 2).Config.GroupDim.X;

    /// <summary>
    /// Launch shape for an element-wise kernel over <paramref name="elements"/> independent items (see
    /// Kernels.Common.GridStride). GPU: groups of up to 256, enough to fill every multiprocessor a few times,
    /// run length 1 (coalesced grid-stride). CPU accelerator: one group per core (each group thread is an
    /// OS thread) and one contiguous run per thread, so cores never share the cache lines they write.
    /// </summary>
    public ElementLaunch ForElements(int elements)
    {
        bool cpu = accelerator.AcceleratorType == AcceleratorType.CPU;
        int group = cpu ? accelerator.MaxNumThreadsPerGroup : Math.Min(256, accelerator.MaxNumThreadsPerGroup);
        int wanted = (Math.Max(elements, 1) + group - 1) / group;
        int resident = cpu
            ? accelerator.NumMultiprocessors
            : accelerator.NumMultiprocessors * Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor / group) * 4;
        int groups = Math.Max(1, Math.Min(wanted, resident));
        int threads = groups * group;
        int run = RunLengthOverride ?? (cpu ? (Math.Max(elements, 1) + threads - 1) / threads : 1);
        return new ElementLaunch(new KernelConfig(groups, group), run);
    }

    public void Launch<T1, T2>(NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2>> kernel,
        KernelConfig config, T1 a1, T2 a2)
        where T1 : struct where T2 : struct
    {
        long start = Begin();
        kernel.Launch(stream, config, a1, a2);
        End(kernel.Name, start);
    }

    public void Launch<T1, T2, T3>(NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3>> kernel,
        KernelConfig config, T1 a1, T2 a2, T3 a3)
        where T1 : struct where T2 : struct where T3 : struct
    {
        long start = Begin();
        kernel.Launch(stream, config, a1, a2, a3);
        End(kernel.Name, start);
    }

    public void Launch<T1, T2, T3, T4>(NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4>> kernel,
        KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct
    {
        long start = Begin();
        kernel.Launch(stream, config, a1, a2, a3, a4);
        End(kernel.Name, start);
    }

    public void Launch<T1, T2, T3, T4, T5>(NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5>> kernel,
        KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        long start = Begin();
        kernel.Launch(stream, config, a1, a2, a3, a4, a5);
        End(kernel.Name, start);
    }

    public void Launch<T1, T2, T3, T4, T5, T6>(NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6>> kernel,
        KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct
    {
        long start = Begin();
        kernel.Launch(stream, config, a1, a2, a3, a4, a5, a6);
        End(kernel.Name, start);
    }

    public void Launch<T1, T2, T3, T4, T5, T6, T7>(NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7>> kernel,
        KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        long start = Begin();
        kernel.Launch(stream, config, a1, a2, a3, a4, a5, a6, a7);
        End(kernel.Name, start);
    }

    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8>(NamedKernel<Action<AcceleratorStream, KernelConfig, T1, T2, T3, T4, T5, T6, T7, T8>> kernel,
        KernelConfig config, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct
    {
        long start = Begin();
        kernel.Launch(stream, config, a1, a2, a3, a4, a5, a6, a7, a8);
        End(kernel.Name, start);
    }

    private long Begin()
    {
        if (!Profiling)
            return 0;
        stream.Synchronize();
        if (!stopwatch.IsRunning)
            stopwatch.Start();
        return stopwatch.ElapsedTicks;
    }

    private void End(string name, long start)
    {
        if (!Profiling)
            return;
        stream.Synchronize();
        double ms = (stopwatch.ElapsedTicks - start) * 1000.0 / Stopwatch.Frequency;
        if (!timings.TryGetValue(name, out KernelTiming? timing))
            timings[name] = timing = new KernelTiming();
        timing.Launches++;
        timing.TotalMilliseconds += ms;
        timing.Flops += pendingFlops;
        timing.Bytes += pendingBytes;
        pendingFlops = pendingBytes = 0;
        trace.Add(new TraceEvent(name, start * 1e6 / Stopwatch.Frequency, ms * 1000));
    }
}
