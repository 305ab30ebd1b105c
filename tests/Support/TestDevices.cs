using ColorKernels.Engine.Devices;

namespace ColorKernels.Tests.Support;

/// <summary>
/// Theory data for kernel tests: every usable accelerator on this machine, the CPU accelerator always,
/// CUDA and OpenCL devices when present. Devices are opened once per test process and shared; ILGPU
/// accelerators are safe to use from parallel test classes (measured on this machine kind).
/// </summary>
public static class TestDevices
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => DeviceCatalog.Discover());
    private static readonly Dictionary<string, ComputeDevice> Open = new();

    /// <summary>
    /// Ids of every usable device, e.g. "cpu:0", "cuda:0", plus "cpu:0/portable": the CPU accelerator made
    /// to run the portable kernels GPUs run instead of its own variants (im2col + SIMD GEMM convolutions),
    /// so both are checked on every machine.
    /// </summary>
    public static IEnumerable<object[]> All =>
        Catalog.Value.Entries.Where(e => e.Usable).Select(e => new object[] { e.Id })
            .Append(new object[] { "cpu:0/portable" });

    public static ComputeDevice Get(string id)
    {
        lock (Open)
        {
            if (!Open.TryGetValue(id, out ComputeDevice? device))
            {
                string entryId = id.Split('/')[0];
                DeviceEntry entry = Catalog.Value.Entries.Single(e => e.Id == entryId);
                Open[id] = device = Catalog.Value.Open(new DeviceSpec(entry.Kind, entry.Index));
                if (id.EndsWith("/portable", StringComparison.Ordinal))
                    device.UseCpuVariants = false;
            }
            return device;
        }
    }
}
