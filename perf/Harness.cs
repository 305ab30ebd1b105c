using System.Diagnostics;

namespace ColorKernels.Perf;

/// <summary>Times an action: one warm-up, then repeats until both a minimum count and a minimum time are reached; reports the median.</summary>
public static class Harness
{
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
