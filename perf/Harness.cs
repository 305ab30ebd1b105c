using System.Diagnostics;

namespace ColorKernels.Perf;

/// <summary>Times an action: one warm-up, then repeats until both a minimum count and a minimum time are reached; reports the median.</summary>
public static class Harness
{
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
