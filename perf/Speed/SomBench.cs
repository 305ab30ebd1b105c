using System.Diagnostics;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Som;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Som;

namespace ColorKernels.Perf.Speed;

/// <summary>
/// The SOM + MLP method's kernels: BMU search throughput (samples/s and GB/s against the device's measured
/// bandwidth) for maps of 4 to 400 neurons, and MLP training throughput (patches/s) for the paper's
/// default 25 -> 500 -> 500 -> classes network.
/// </summary>
public static class SomBench
{
    public static void Run(ComputeDevice device, TextWriter log)
    {
        var peaks = ColorKernels.Engine.Launch.DevicePeaks.Measure(device);
        int samples = device.Kind == DeviceKind.Cpu ? 1 << 20 : 1 << 24;
        var random = new Random(1);
        float[] x = Enumerable.Range(0, 2 * samples).Select(_ => (float)(random.NextDouble() * 200 - 100)).ToArray();
        using Tensor<float> tx = device.Upload("samples", new Shape(2, samples), x);
        using Tensor<int> bmu = device.Allocate<int>("bmu", new Shape(samples));
        using Tensor<int> second = device.Allocate<int>("second", new Shape(samples));
        using Tensor<float> distance = device.Allocate<float>("distance", new Shape(samples));
        log.WriteLine($"som-bmu  {samples:N0} ab samples on {device.Description} (measured bandwidth {peaks.GigabytesPerSecond:F1} GB/s)");
        foreach (int side in new[] { 2, 3, 10, 20 })
        {
            float[] book = Enumerable.Range(0, 2 * side * side).Select(_ => (float)(random.NextDouble() * 200 - 100)).ToArray();
            using Tensor<float> tb = device.Upload("codebook", new Shape(side * side, 2), book);
            var args = new SomArgs(samples, side, side, 1f, 1f, 1);
            double seconds = Harness.MedianSeconds(() =>
            {
                SomOps.Bmu(tx, tb, bmu, second, distance, args);
                device.Synchronize();
            }, minRuns: 3, minSeconds: 1);
            double bytes = samples * (8.0 + 12.0);   // ab read, bmu + second + distance written
            log.WriteLine($"  {side}x{side}: {samples / seconds / 1e6,8:F1} M samples/s, {bytes / seconds / 1e9,6:F2} GB/s ({100 * bytes / seconds / 1e9 / peaks.GigabytesPerSecond:F0}% of measured)");
        }

        const int Batch = 256;
        using var mlp = new PatchMlp(device, 25, new[] { 500, 500 }, 9, Batch, 1);
        mlp.Input.Upload(Enumerable.Range(0, 25 * Batch).Select(_ => (float)random.NextDouble()).ToArray());
        int[] labels = Enumerable.Range(0, Batch).Select(_ => random.Next(9)).ToArray();
        double step = Harness.MedianSeconds(() => mlp.Step(labels, 1e-3f), minRuns: 3, minSeconds: 1);
        log.WriteLine($"mlp-train  25 -> 500 -> 500 -> 9, batch {Batch}: {Batch / step:F0} patches/s ({step * 1000:F1} ms a step) on {device.Description}");
    }
}
