using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Imaging;

namespace ColorKernels.Engine.Launch;

/// <summary>What one profiling run measured.</summary>
internal sealed record ProfileResult(string Device, double WallMilliseconds, int Iterations,
    IReadOnlyDictionary<string, KernelTiming> Kernels, IReadOnlyList<TraceEvent> Trace, DevicePeaks Peaks)
{
    public double KernelMilliseconds => Kernels.Values.Sum(k => k.TotalMilliseconds);
}

/// <summary>
/// Runs a step under the launcher's profiler: warm-up iterations untimed, then timed iterations in which
/// every launch is synchronised and timed by name. Profiling adds a synchronisation per launch, so the
/// profiled wall time is what the kernel times should add up to (tested); an unprofiled run is faster by
/// the overlap the synchronisation removes.
/// </summary>
internal static class Profiler
{
    public static ProfileResult Run(ComputeDevice device, Action step, int warmup, int iterations)
    {
        if (iterations < 1)
            throw new UserErrorException($"--iterations {iterations}: must be at least 1");
        DevicePeaks peaks = DevicePeaks.Measure(device);
        for (int i = 0; i < warmup; i++)
            step();
        device.Synchronize();
        Launcher launcher = device.Launcher;
        launcher.ResetTimings();
        launcher.Profiling = true;
        var clock = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < iterations; i++)
                step();
            device.Synchronize();
        }
        finally
        {
            launcher.Profiling = false;
        }
        double wall = clock.Elapsed.TotalMilliseconds;
        var kernels = launcher.Timings.ToDictionary(k => k.Key, k => k.Value);
        return new ProfileResult(device.Description, wall, iterations, kernels, launcher.Trace.ToList(), peaks);
    }

    /// <summary>The per-kernel table: launches, total ms, mean microseconds, share, GFLOP/s, GB/s and fractions of the device's peaks.</summary>
    public static string Table(ProfileResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(string.Create(inv, $"device {r.Device}: measured peaks {r.Peaks.GigaflopsPerSecond:F1} GFLOP/s, {r.Peaks.GigabytesPerSecond:F1} GB/s"));
        text.AppendLine(string.Create(inv, $"{r.Iterations} iterations: {r.WallMilliseconds / r.Iterations:F2} ms each; kernels {r.KernelMilliseconds / r.Iterations:F2} ms ({r.KernelMilliseconds / r.WallMilliseconds:P1} of the wall time)"));
        text.AppendLine($"{"kernel",-36} {"launches",8} {"total ms",10} {"mean us",10} {"share",7} {"GFLOP/s",9} {"GB/s",8} {"%peak F",8} {"%peak B",8}");
        foreach (var (name, k) in r.Kernels.OrderByDescending(k => k.Value.TotalMilliseconds))
        {
            double seconds = k.TotalMilliseconds / 1000;
            double gflops = k.Flops / seconds / 1e9, gbytes = k.Bytes / seconds / 1e9;
            string F(double v, string format) => v > 0 && double.IsFinite(v) ? v.ToString(format, inv) : "-";
            text.AppendLine(string.Create(inv, $"{name,-36} {k.Launches,8} {k.TotalMilliseconds,10:F2} {k.TotalMilliseconds * 1000 / k.Launches,10:F1} {k.TotalMilliseconds / r.KernelMilliseconds,7:P1} {F(gflops, "F2"),9} {F(gbytes, "F2"),8} {F(100 * gflops / r.Peaks.GigaflopsPerSecond, "F1"),8} {F(100 * gbytes / r.Peaks.GigabytesPerSecond, "F1"),8}"));
        }
        return text.ToString();
    }

    /// <summary>Writes the launches as a Chrome/Perfetto trace (JSON "X" events, microseconds), atomically.</summary>
    public static void WriteTrace(string path, ProfileResult r)
    {
        var events = new JsonArray();
        foreach (TraceEvent e in r.Trace)
            events.Add(new JsonObject { ["name"] = e.Name, ["ph"] = "X", ["ts"] = e.StartMicroseconds, ["dur"] = e.DurationMicroseconds, ["pid"] = 1, ["tid"] = 1 });
        var root = new JsonObject { ["traceEvents"] = events, ["displayTimeUnit"] = "ms", ["otherData"] = new JsonObject { ["device"] = r.Device } };
        string text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));
    }
}
