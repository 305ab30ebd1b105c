using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Launch;

/// <summary>Launch geometry of an element-wise kernel: the grid, and how many consecutive elements a thread takes per step.</summary>
internal readonly record struct ElementLaunch(KernelConfig Config, int RunLength);

/// <summary>Per-kernel totals gathered while profiling is on.</summary>
internal sealed class KernelTiming
{
    public int Launches { get; internal set; }
    public double TotalMilliseconds { get; internal set; }

    /// <summary>Floating-point operations and compulsory memory traffic of the launches that declared them (0 when none did).</summary>
    public double Flops { get; internal set; }
    public double Bytes { get; internal set; }
}

/// <summary>One launch in a trace: kernel name, start and duration in microseconds since tracing began.</summary>
internal readonly record struct TraceEvent(string Name, double StartMicroseconds, double DurationMicroseconds);

/// <summary>
/// Launch shapes for the accelerator and, when <see cref="Profiling"/> is on, the time of each launch by
/// kernel name (synchronising around it; see <see cref="Time"/>). With profiling off a launch is the bare
/// delegate call.
/// </summary>
internal sealed class Launcher
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

    public void ResetTimings()
    {
        timings.Clear();
        trace.Clear();
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

    /// <summary>
    /// Times the launch made inside the returned scope under <paramref name="kernel"/>'s name while
    /// profiling is on, with its floating-point operations and compulsory memory traffic (each input read
    /// once, each output written once) for the profiler's GFLOP/s and GB/s. Free when profiling is off:
    /// <code>using (d.Launcher.Time(Relu, flops, bytes)) d.Kernels.Load(Relu)(d.Stream, config, ...);</code>
    /// </summary>
    public LaunchTimer Time<TLaunch>(Kernel<TLaunch> kernel, double flops = 0, double bytes = 0) where TLaunch : Delegate =>
        Profiling ? new LaunchTimer(this, kernel.Name, Begin(), flops, bytes) : default;

    /// <summary>The scope of one timed launch (see <see cref="Time"/>); a default one times nothing.</summary>
    public readonly struct LaunchTimer : IDisposable
    {
        private readonly Launcher? owner;
        private readonly string name;
        private readonly long start;
        private readonly double flops, bytes;

        internal LaunchTimer(Launcher owner, string name, long start, double flops, double bytes)
        {
            this.owner = owner;
            this.name = name;
            this.start = start;
            this.flops = flops;
            this.bytes = bytes;
        }

        public void Dispose() => owner?.End(name, start, flops, bytes);
    }

    private long Begin()
    {
        stream.Synchronize();
        if (!stopwatch.IsRunning)
            stopwatch.Start();
        return stopwatch.ElapsedTicks;
    }

    private void End(string name, long start, double flops, double bytes)
    {
        stream.Synchronize();
        double ms = (stopwatch.ElapsedTicks - start) * 1000.0 / Stopwatch.Frequency;
        if (!timings.TryGetValue(name, out KernelTiming? timing))
            timings[name] = timing = new KernelTiming();
        timing.Launches++;
        timing.TotalMilliseconds += ms;
        timing.Flops += flops;
        timing.Bytes += bytes;
        trace.Add(new TraceEvent(name, start * 1e6 / Stopwatch.Frequency, ms * 1000));
    }
}
