using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Tests.Ops;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// Times the op cases of the test table (tests/Ops/OpCases.cs and tests/Ops/*/*Cases.cs), as ggml's test-backend-ops does in perf
/// mode: each case is set up, launched once and checked against its reference with its own tolerance
/// (a case that fails is reported and not timed), then timed (median of repeated launches, synchronised).
/// The baseline in the same run is the device's measured peaks (DevicePeaks): each case's GFLOP/s and
/// GB/s are also given as a fraction of them, so an op far from both limits is visibly launch-bound.
/// Ops that accumulate into their outputs keep accumulating while timed; only the first launch is checked.
/// </summary>
internal static class OpTableBench
{
    public static void Run(ComputeDevice device, string? opPrefix, TextWriter log)
    {
        DevicePeaks peaks = DevicePeaks.Measure(device);
        log.WriteLine($"ops  {device.Description}, convolutions {device.ConvAlgorithm}; peaks {peaks.GigaflopsPerSecond:F1} GFLOP/s, {peaks.GigabytesPerSecond:F1} GB/s (measured in this run)");
        log.WriteLine($"  {"case",-62} {"us",10} {"GFLOP/s",9} {"GB/s",8} {"% flops",8} {"% bytes",8}");
        foreach (OpCase c in OpCases.All.Where(c => opPrefix is null || c.Id.StartsWith(opPrefix, StringComparison.Ordinal)))
        {
            using OpRun run = c.Start(device);
            // The case's cost as its op declares it (Launcher.Time), summed over the launch's kernels.
            device.Launcher.Profiling = true;
            device.Launcher.ResetTimings();
            run.Launch!();
            device.Launcher.Profiling = false;
            double flops = device.Launcher.Timings.Values.Sum(t => t.Flops), bytes = device.Launcher.Timings.Values.Sum(t => t.Bytes);
            string? failure = Validate(c, run);
            if (failure is not null)
            {
                log.WriteLine($"  {c.Id,-62} NOT TIMED: {failure}");
                continue;
            }
            double seconds = Harness.MedianSeconds(() =>
            {
                run.Launch();
                device.Synchronize();
            }, minRuns: 5, minSeconds: 0.2);
            double gflops = flops / seconds / 1e9, gbytes = bytes / seconds / 1e9;
            log.WriteLine($"  {c.Id,-62} {seconds * 1e6,10:F1} {gflops,9:F3} {gbytes,8:F3} {100 * gflops / peaks.GigaflopsPerSecond,7:F1}% {100 * gbytes / peaks.GigabytesPerSecond,7:F1}%");
        }
    }

    private static string? Validate(OpCase c, OpRun run)
    {
        foreach (var (name, actual, expected) in run.Checks)
        {
            float[] got = actual();
            for (int i = 0; i < expected.Length; i++)
                if (!(Math.Abs(got[i] - expected[i]) <= c.Tolerance.Atol + c.Tolerance.Rtol * Math.Abs(expected[i])))
                    return $"{name}[{i}] = {got[i]}, reference {expected[i]} (tolerance {c.Tolerance.Atol} + {c.Tolerance.Rtol} rel)";
        }
        return null;
    }
}
