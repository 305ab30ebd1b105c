using System.Diagnostics;

namespace ColorKernels.Perf;

/// <summary>Times an action: one warm-up, then repeats until both a minimum count and a minimum time are reached; reports the median.</summary>
public static class Harness
{
    /// <summary>
    /// Runs <paramref name="run"/> once more with the launcher's profiler on (synchronised per launch, so its
    /// total is above an unprofiled median) and prints the 12 costliest kernels by their share: where the time goes.
    /// </summary>
    public static void Profiled(ColorKernels.Engine.Devices.ComputeDevice device, TextWriter log, string what, Action run)
    {
        device.Launcher.ResetTimings();
        device.Launcher.Profiling = true;
        var clock = Stopwatch.StartNew();
        run();
        device.Synchronize();
        double profiled = clock.Elapsed.TotalMilliseconds;
        device.Launcher.Profiling = false;
        double kernels = device.Launcher.Timings.Values.Sum(k => k.TotalMilliseconds);
        log.WriteLine($"    profiled {what} {profiled:F1} ms, kernels {kernels:F1} ms ({kernels / profiled:P0}):");
        foreach (var (name, timing) in device.Launcher.Timings.OrderByDescending(k => k.Value.TotalMilliseconds).Take(12))
            log.WriteLine($"      {name,-36} {timing.Launches,5} launches {timing.TotalMilliseconds,10:F1} ms {timing.TotalMilliseconds / kernels,7:P1}");
    }

    /// <summary>The variants whose names start with one of PERF_VARIANTS' comma-separated prefixes (all of them when it is unset), in order.</summary>
    public static List<T> Chosen<T>(IEnumerable<T> variants, Func<T, string> name) =>
        Environment.GetEnvironmentVariable("PERF_VARIANTS") is { } only
            ? variants.Where(v => only.Split(',').Any(o => name(v).StartsWith(o, StringComparison.Ordinal))).ToList()
            : variants.ToList();

    public static double MedianSeconds(Action action, int minRuns = 5, double minSeconds = 1.0)
    {
        action();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minRuns || total.Elapsed.TotalSeconds < minSeconds)
        {
            var one = Stopwatch.StartNew();
            action();
            times.Add(one.Elapsed.TotalSeconds);
            if (times.Count >= 200)
                break;
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
