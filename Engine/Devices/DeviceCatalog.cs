using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace ColorKernels.Engine.Devices;

/// <summary>One accelerator the machine offers, usable or not, with the reason when not.</summary>
public sealed record DeviceEntry(DeviceKind Kind, int Index, string Name, long MemoryBytes, int WarpSize,
    int MaxGroupSize, int Multiprocessors, string? UnusableReason, Device? Device)
{
    public bool Usable => UnusableReason is null && Device is not null;

    public string Id => $"{Kind.ToString().ToLowerInvariant()}:{Index}";
}

/// <summary>
/// Finds every accelerator ILGPU can see and says which are usable. Owns the one ILGPU
/// <see cref="Context"/> of the process (contexts are heavy: each holds its own kernel cache).
/// </summary>
public sealed class DeviceCatalog : IDisposable
{
    private DeviceCatalog(Context context, List<DeviceEntry> entries)
    {
        Context = context;
        Entries = entries;
    }

    public Context Context { get; }

    public IReadOnlyList<DeviceEntry> Entries { get; }

    /// <summary>
    /// The CPU accelerator device: one warp of 4 threads per core, one group per core. Measured here to be
    /// ~2.5x faster than ILGPU's default simulated device for grid-stride kernels (fewer thread hand-offs).
    /// </summary>
    public static CPUDevice CpuDevice { get; } = new(4, 1, Math.Max(1, Environment.ProcessorCount));

    /// <summary>
    /// Builds a context with CUDA, OpenCL and the CPU accelerator, and lists what it found. With
    /// <paramref name="probe"/>, each device that looks usable is also opened and runs one small kernel,
    /// so a broken driver shows up here with its reason instead of in the middle of a job.
    /// </summary>
    /// <param name="cpuDevice">The CPU accelerator's simulated device (default <see cref="CpuDevice"/>); tests use
    /// wider groups to run the tiled kernels with the K step GPUs use.</param>
    public static DeviceCatalog Discover(bool probe = false, CPUDevice? cpuDevice = null)
    {
        var entries = new List<DeviceEntry>();
        Context context;
        try
        {
            // Every OpenCL device is let in (the predicate accepts all) so that one ILGPU cannot use is
            // listed with its reason instead of silently missing.
            context = Context.Create(b => b.Cuda().OpenCL(_ => true).CPU(cpuDevice ?? CpuDevice).EnableAlgorithms());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A broken GPU driver must not take the CPU path down with it.
            context = Context.Create(b => b.CPU(cpuDevice ?? CpuDevice).EnableAlgorithms());
            entries.Add(new DeviceEntry(DeviceKind.Cuda, 0, "(GPU drivers)", 0, 0, 0, 0,
                "GPU runtime failed to initialise: " + OneLine(e.Message), null));
        }

        var counters = new Dictionary<DeviceKind, int>();
        foreach (Device device in context.Devices)
        {
            DeviceKind kind = device.AcceleratorType switch
            {
                AcceleratorType.Cuda => DeviceKind.Cuda,
                AcceleratorType.OpenCL => DeviceKind.OpenCL,
                _ => DeviceKind.Cpu,
            };
            int index = counters.GetValueOrDefault(kind);
            counters[kind] = index + 1;
            string? reason = null;
            if (device is CLDevice cl && !cl.Capabilities.GenericAddressSpace)
                reason = $"OpenCL {cl.CVersion} without generic address space support (ILGPU needs OpenCL C 2.0 features)";
            string name = device is CPUDevice
                ? $"ILGPU CPU accelerator ({((CPUDevice)device).NumThreads} threads)"
                : device.Name.Trim();
            // The CPU accelerator reports an unbounded size; what bounds it is the host's memory.
            long memory = device is CPUDevice ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : device.MemorySize;
            entries.Add(new DeviceEntry(kind, index, name, memory, device.WarpSize,
                device.MaxNumThreadsPerGroup, device.NumMultiprocessors, reason, device));
        }
        var catalog = new DeviceCatalog(context, entries);
        if (probe)
            for (int i = 0; i < entries.Count; i++)
                if (entries[i].Usable && catalog.Probe(entries[i]) is { } failure)
                    entries[i] = entries[i] with { UnusableReason = failure };
        return catalog;
    }

    /// <summary>Opens <paramref name="entry"/> and converts one pixel to Lab and back; null when that works, else why not.</summary>
    private string? Probe(DeviceEntry entry)
    {
        try
        {
            using ComputeDevice device = ComputeDevice.Create(this, entry);
            using var rgb = device.Upload<byte>("probe-rgb", new Tensors.Shape(1, 1, 1, 3), new byte[] { 200, 100, 50 });
            using var lab = device.Allocate<float>("probe-lab", Tensors.Shape.Nchw(1, 3, 1, 1));
            Color.LabOps.SrgbBytesToLab(rgb, lab);
            Color.LabOps.LabToSrgbBytes(lab, rgb);
            byte[] back = rgb.Download();
            return back is [200, 100, 50] ? null : $"test kernel gave wrong results ({string.Join(",", back)})";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return "test kernel failed: " + OneLine(e.Message);
        }
    }

    /// <summary>The device <paramref name="spec"/> names; auto prefers CUDA, then OpenCL, then the CPU.</summary>
    public DeviceEntry Select(DeviceSpec spec)
    {
        if (spec.IsAuto)
        {
            foreach (DeviceKind kind in new[] { DeviceKind.Cuda, DeviceKind.OpenCL, DeviceKind.Cpu })
            {
                DeviceEntry? first = Entries.FirstOrDefault(e => e.Kind == kind && e.Usable);
                if (first is not null)
                    return first;
            }
            throw new UserErrorException("no usable accelerator found (run 'colorkernels devices')");
        }

        var ofKind = Entries.Where(e => e.Kind == spec.Kind && e.Device is not null).ToList();
        string kindName = spec.Kind!.Value.ToString().ToLowerInvariant();
        if (ofKind.Count == 0)
            throw new UserErrorException($"--device {spec}: no {kindName} device on this machine (run 'colorkernels devices')");
        int wanted = spec.Index ?? 0;
        if (wanted >= ofKind.Count)
            throw new UserErrorException($"--device {spec}: only {ofKind.Count} {kindName} device(s), numbered 0 to {ofKind.Count - 1}");
        DeviceEntry entry = ofKind[wanted];
        if (!entry.Usable)
            throw new UserErrorException($"--device {spec}: {entry.Name} cannot be used: {entry.UnusableReason}");
        return entry;
    }

    /// <summary>Opens the device that <paramref name="spec"/> names.</summary>
    public ComputeDevice Open(DeviceSpec spec) => ComputeDevice.Create(this, Select(spec));

    internal static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public void Dispose() => Context.Dispose();
}
