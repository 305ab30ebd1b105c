using System.Diagnostics;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Tensors;
using ColorKernels.Engine.Ops;

namespace ColorKernels.Engine.Launch;

/// <summary>
/// A device's measured peaks, the profiler's yardsticks: memory bandwidth from a large device-to-device
/// accumulate (y += x: 12 bytes an element) and arithmetic throughput from a register-only multiply-add
/// kernel. Measured once per device per process, best of three.
/// </summary>
internal sealed record DevicePeaks(double GigabytesPerSecond, double GigaflopsPerSecond)
{
    private static readonly Dictionary<ComputeDevice, DevicePeaks> Cache = new();

    public static DevicePeaks Measure(ComputeDevice device)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(device, out DevicePeaks? known))
                return known;
            bool cpu = device.Kind == DeviceKind.Cpu;
            int elements = cpu ? 1 << 22 : 1 << 26;
            using Tensor<float> x = device.Upload("peak_x", new Shape(elements), new float[elements]);
            using Tensor<float> y = device.Upload("peak_y", new Shape(elements), new float[elements]);
            double copySeconds = Best(() => BufferOps.Accumulate(x, y), device);
            double bandwidth = 12.0 * elements / copySeconds / 1e9;

            int threads = device.Launcher.MaxElementThreads, iterations = cpu ? 1 << 16 : 1 << 14;
            using Tensor<float> slots = device.Allocate<float>("peak_slots", new Shape(threads));
            double flopSeconds = Best(() => BufferOps.PeakFlops(slots, iterations), device);
            var peaks = new DevicePeaks(bandwidth, 16.0 * threads * iterations / flopSeconds / 1e9);
            Cache[device] = peaks;
            return peaks;
        }
    }

    private static double Best(Action run, ComputeDevice device)
    {
        run();
        device.Synchronize();
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            device.Synchronize();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
