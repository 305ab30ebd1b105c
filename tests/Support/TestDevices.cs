using ColorKernels.Engine.Devices;

namespace ColorKernels.Tests.Support;

/// <summary>
/// Theory data for kernel tests: every usable accelerator on this machine, the CPU accelerator always,
/// CUDA and OpenCL devices when present (<see cref="Accelerators"/>), and for convolutions every variant too
/// (<see cref="All"/>, <see cref="AllConv"/>). Devices are opened once per test process and shared; ILGPU
/// accelerators are safe to use from parallel test classes (measured on this machine kind).
/// </summary>
public static class TestDevices
{
    private static readonly Lazy<DeviceCatalog> Catalog = new(() => DeviceCatalog.Discover());

    /// <summary>A CPU accelerator with groups of 16 threads (4 x 4), for "cpu16:0/tiled-large".</summary>
    private static readonly Lazy<DeviceCatalog> Catalog16 = new(() => DeviceCatalog.DiscoverWith(cpuDevice: new ILGPU.Runtime.CPU.CPUDevice(4, 4, 1)));
    private static readonly Dictionary<string, ComputeDevice> Open = new();

    /// <summary>
    /// Each accelerator once: the ids of every usable device, e.g. "cpu:0", "cuda:0" (each running its own
    /// convolution variant), plus "KIND:0" for each kind <see cref="RequireVariable"/> requires. For tests of
    /// ops that never convolve: the convolution variant is the only thing the "cpu:0/..." ids of
    /// <see cref="All"/> change (ComputeDevice.ConvAlgorithm, read by Conv2dOps alone), so running such a
    /// test on them repeats the same kernels on the same accelerator. Every accelerator present is still here.
    /// </summary>
    public static IEnumerable<object[]> Accelerators =>
        WithRequired(Environment.GetEnvironmentVariable(RequireVariable), Catalog.Value.Entries).Select(id => new object[] { id });

    /// <summary>
    /// <see cref="Accelerators"/> plus the CPU accelerator made to run the other convolution variants:
    /// "cpu:0/direct" (the plain direct kernels) and "cpu:0/tiled" and "cpu:0/tiled-large" (the GPUs' tiled
    /// implicit GEMMs, with 2 x 2-thread groups), so every variant is checked on every machine. For tests that
    /// convolve (Conv2dOps, the networks built on it); the others take <see cref="Accelerators"/>.
    /// </summary>
    public static IEnumerable<object[]> All =>
        Accelerators
            .Append(new object[] { "cpu:0/direct" })
            .Append(new object[] { "cpu:0/tiled" })
            .Append(new object[] { "cpu:0/tiled-large" });

    /// <summary>
    /// <see cref="All"/> plus "cpu16:0/tiled-large": the large tiled kernel on 4 x 4-thread groups, where its
    /// K step is 2 (on 2 x 2 groups it is 1, on GPUs 8), so its staging index maths runs with a step above 1
    /// without a GPU. For the convolution tests only: barriers across 16 OS threads are slow.
    /// </summary>
    public static IEnumerable<object[]> AllConv => All.Append(new object[] { "cpu16:0/tiled-large" });

    /// <summary>
    /// Set to a list of kinds ("cuda" or "cuda,opencl") on a GPU machine: every kernel test then also runs on
    /// "cuda:0" whether or not it is usable, so the suite fails (with the device's reason) instead of quietly
    /// passing on the CPU alone when CUDA did not come up.
    /// </summary>
    public const string RequireVariable = "COLORKERNELS_TEST_REQUIRE";

    /// <summary>The usable devices' ids, plus "KIND:0" for each required kind that has none.</summary>
    internal static IEnumerable<string> WithRequired(string? requirement, IEnumerable<DeviceEntry> entries)
    {
        List<string> ids = entries.Where(e => e.Usable).Select(e => e.Id).ToList();
        foreach (string kind in (requirement ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!ids.Any(id => id.StartsWith(kind.ToLowerInvariant() + ":", StringComparison.Ordinal)))
                ids.Add(kind.ToLowerInvariant() + ":0");
        return ids;
    }

    public static ComputeDevice Get(string id)
    {
        lock (Open)
        {
            if (!Open.TryGetValue(id, out ComputeDevice? device))
            {
                DeviceCatalog catalog = id.StartsWith("cpu16:", StringComparison.Ordinal) ? Catalog16.Value : Catalog.Value;
                string entryId = id.Split('/')[0].Replace("cpu16:", "cpu:", StringComparison.Ordinal);
                DeviceEntry entry = catalog.Entries.SingleOrDefault(e => e.Id == entryId && e.Usable)
                    ?? throw new InvalidOperationException($"{RequireVariable} requires {entryId}, which is not usable here: " +
                        (catalog.Entries.FirstOrDefault(e => e.Id == entryId)?.UnusableReason ?? "no such device"));
                Open[id] = device = catalog.Open(new DeviceSpec(entry.Kind, entry.Index));
                if (id.Split('/') is [_, string variant])
                    device.ConvAlgorithm = ConvAlgorithmNames.All[variant];
            }
            return device;
        }
    }
}
