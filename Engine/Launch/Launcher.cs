using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Launch;

/// <summary>Per-kernel totals gathered while profiling is on.</summary>
public sealed class KernelTiming
{
    public int Launches { get; internal set; }
    public double TotalMilliseconds { get; internal set; }
}

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

    public IReadOnlyDictionary<string, KernelTiming> Timings => timings;

    public void ResetTimings() => timings.Clear();

    /// <summary>
    /// Launch shape for a grid-stride kernel over <paramref name="elements"/> independent items: groups of
    /// the device's preferred size, enough of them to fill every multiprocessor a few times over on a GPU,
    /// and exactly one per core on the CPU accelerator (each group thread there is an OS thread).
    /// </summary>
    public KernelConfig ForElements(int elements)
    {
        int group = accelerator.AcceleratorType == AcceleratorType.CPU
            ? accelerator.MaxNumThreadsPerGroup
            : Math.Min(256, accelerator.MaxNumThreadsPerGroup);
        int wanted = (Math.Max(elements, 1) + group - 1) / group;
        int resident = accelerator.AcceleratorType == AcceleratorType.CPU
            ? accelerator.NumMultiprocessors
            : accelerator.NumMultiprocessors * Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor / group) * 4;
        return new KernelConfig(Math.Max(1, Math.Min(wanted, resident)), group);
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
    }
}
