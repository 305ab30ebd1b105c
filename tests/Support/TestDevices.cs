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
    /// Ids of every usable device, e.g. "cpu:0", "cuda:0" (each with its own convolution variant), plus the
    /// CPU accelerator made to run the other variants: "cpu:0/direct" (the plain direct kernels) and
    /// "cpu:0/tiled" (the GPUs' tiled implicit GEMM, with 2 x 2-thread groups), so every variant is checked
    /// on every machine.
    /// </summary>
    public static IEnumerable<object[]> All =>
        Catalog.Value.Entries.Where(e => e.Usable).Select(e => new object[] { e.Id })
            .Append(new object[] { "cpu:0/direct" })
            .Append(new object[] { "cpu:0/tiled" });

    public static ComputeDevice Get(string id)
    {
        lock (Open)
        {
            if (!Open.TryGetValue(id, out ComputeDevice? device))
            {
                string entryId = id.Split('/')[0];
                DeviceEntry entry = Catalog.Value.Entries.Single(e => e.Id == entryId);
                Open[id] = device = Catalog.Value.Open(new DeviceSpec(entry.Kind, entry.Index));
                if (id.EndsWith("/direct", StringComparison.Ordinal))
                    device.ConvAlgorithm = ConvAlgorithm.Direct;
                else if (id.EndsWith("/tiled", StringComparison.Ordinal))
                    device.ConvAlgorithm = ConvAlgorithm.TiledGemm;
            }
            return device;
        }
    }
}
