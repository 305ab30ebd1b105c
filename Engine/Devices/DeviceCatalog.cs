using System.Diagnostics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace ColorKernels.Engine.Devices;

/// <summary>One accelerator the machine offers, usable or not, with the reason when not.</summary>
public sealed record DeviceEntry(DeviceKind Kind, int Index, string Name, long MemoryBytes, int WarpSize,
    int MaxGroupSize, int Multiprocessors, string? UnusableReason, Device? Device)
{
    /// <summary>ILGPU's device (the engine's own; null when ILGPU could not list one).</summary>
    internal Device? Device { get; init; } = Device;

    /// <summary>Whether the reason is a failed test kernel (not a device ILGPU refuses outright).</summary>
    public bool ProbeFailed { get; init; }

    /// <summary>Whether the device can be opened (it has an accelerator and no reason against it).</summary>
    public bool Usable => UnusableReason is null && Device is not null;

    /// <summary>"cuda:0", "cpu:0": the id <c>--device</c> and <see cref="DeviceSpec"/> use.</summary>
    public string Id => $"{Kind.ToString().ToLowerInvariant()}:{Index}";
}

/// <summary>
/// Finds every accelerator ILGPU can see and says which are usable. Owns the one ILGPU
/// <see cref="Context"/> of the process (contexts are heavy: each holds its own kernel cache).
/// </summary>
public sealed class DeviceCatalog : IDisposable
{
    private readonly List<DeviceEntry> entries;

    private DeviceCatalog(Context context, List<DeviceEntry> entries)
    {
        Context = context;
        this.entries = entries;
    }

    internal Context Context { get; }

    /// <summary>Every device found, usable or not (an unusable one says why in <see cref="DeviceEntry.UnusableReason"/>).</summary>
    public IReadOnlyList<DeviceEntry> Entries => entries;

    /// <summary>
    /// The CPU accelerator device: one warp of 4 threads per core, one group per core. Measured here to be
    /// ~2.5x faster than ILGPU's default simulated device for grid-stride kernels (fewer thread hand-offs).
    /// </summary>
    internal static CPUDevice CpuDevice { get; } = new(4, 1, Math.Max(1, Environment.ProcessorCount));

    /// <summary>
    /// Builds a context with CUDA, OpenCL and the CPU accelerator, and lists what it found. CUDA devices are
    /// always opened and run one small kernel (a driver that rejects ILGPU's PTX shows up here, not in the
    /// middle of a job), and one that fails is retried once with an older PTX instruction set (said in
    /// <see cref="Notes"/>). With <paramref name="probe"/>, every other device that looks usable is checked
    /// the same way. When ILGPU lists no CUDA device on a machine with signs of an NVIDIA driver, a
    /// <c>cuda</c> row says why (<see cref="CudaDriverReport"/>).
    /// </summary>
    /// <param name="probe">Also run one small kernel on every other device that looks usable.</param>
    public static DeviceCatalog Discover(bool probe = false) => DiscoverWith(probe);

    /// <summary>As <see cref="Discover(bool)"/>, with the CPU accelerator's device and the CUDA explanation replaceable (for tests).</summary>
    /// <param name="probe">Also run one small kernel on every other device that looks usable.</param>
    /// <param name="cpuDevice">The CPU accelerator's simulated device (default <see cref="CpuDevice"/>); tests use
    /// wider groups to run the tiled kernels with the K step GPUs use.</param>
    /// <param name="cudaReport">What to explain a missing CUDA device with (tests simulate broken machines);
    /// by default the machine is asked (<see cref="CudaDriverReport.Read"/>).</param>
    internal static DeviceCatalog DiscoverWith(bool probe = false, CPUDevice? cpuDevice = null, Func<CudaDriverReport>? cudaReport = null)
    {
        RegisterCudaFallback();
        DeviceCatalog catalog = Build(cpuDevice, null, cudaReport);
        catalog.ProbeEntries(e => probe || e.Kind == DeviceKind.Cuda);

        // One retry per failing CUDA device, with the oldest instruction set that targets its architecture.
        var retry = new Dictionary<int, (CudaInstructionSet From, CudaInstructionSet To)>();
        foreach (DeviceEntry e in catalog.Entries)
            if (e.Device is CudaDevice cuda && e.ProbeFailed
                && cuda.InstructionSet is { } isa && PtxChoice.Fallback(((CudaCapabilityContext)cuda.Capabilities).TargetArchitecture, isa) is { } older)
                retry[cuda.DeviceId] = (isa, older);
        if (retry.Count == 0)
            return catalog;

        DeviceCatalog second = Build(cpuDevice, retry.ToDictionary(r => r.Key, r => r.Value.To), cudaReport);
        second.ProbeEntries(e => probe || e.Kind == DeviceKind.Cuda);
        for (int i = 0; i < second.entries.Count; i++)
        {
            DeviceEntry e = second.entries[i];
            if (e.Device is not CudaDevice cuda || !retry.TryGetValue(cuda.DeviceId, out var r))
                continue;
            string first = catalog.Entries.First(c => c.Device is CudaDevice d && d.DeviceId == cuda.DeviceId).UnusableReason!;
            if (e.Usable)
            {
                second.notes.Add($"{e.Id}: PTX {r.From} failed ({first}); retried with PTX {r.To}, which works and is used");
                Trace.WriteLine("devices: " + second.notes[^1]);
            }
            else
            {
                second.entries[i] = e with { UnusableReason = $"{first}; retried with PTX {r.To}: {e.UnusableReason}" };
            }
        }
        catalog.Dispose();
        return second;
    }

    /// <summary>
    /// Lets ILGPU's import of the driver library (<c>cuda</c>, which .NET looks for as libcuda.so only) find
    /// libcuda.so.1 and the usual driver folders. Registered before the first context is made (again on each
    /// discovery: the registration replaces itself).
    /// </summary>
    private static void RegisterCudaFallback() =>
        NativeLibraryFallback.Add("cuda", CudaDriverReport.LibraryCandidates().Where(n => n != "libcuda.so"));

    private static DeviceCatalog Build(CPUDevice? cpuDevice, IReadOnlyDictionary<int, CudaInstructionSet>? isaOverrides,
        Func<CudaDriverReport>? cudaReport)
    {
        var entries = new List<DeviceEntry>();
        Context context;
        try
        {
            // Every OpenCL and CUDA device is let in (the predicates accept all) so that one ILGPU cannot use
            // is listed with its reason instead of silently missing. ILGPU has no public way to combine a
            // predicate with instruction-set overrides; a retry only needs the devices it already listed.
            context = Context.Create(b =>
            {
                if (isaOverrides is null)
                    b.Cuda(_ => true);
                else
                    b.Cuda(o =>
                    {
                        if (isaOverrides.TryGetValue(o.Device.DeviceId, out CudaInstructionSet isa))
                            o.InstructionSet = isa;
                    });
                b.OpenCL(_ => true).CPU(cpuDevice ?? CpuDevice).EnableAlgorithms();
            });
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
            string? reason = device switch
            {
                CLDevice cl when !cl.Capabilities.GenericAddressSpace =>
                    $"OpenCL {cl.CVersion} without generic address space support (ILGPU needs OpenCL C 2.0 features)",
                CudaDevice cuda => CudaReason(cuda),
                _ => null,
            };
            // Named by what runs it: the machine's cores (ILGPU's own thread count is a simulation detail
            // that read as if the machine had that many).
            string name = device is CPUDevice
                ? $"ILGPU CPU accelerator on {Environment.ProcessorCount} core{(Environment.ProcessorCount == 1 ? "" : "s")}"
                : device.Name.Trim();
            // The CPU accelerator reports an unbounded size; what bounds it is the host's memory.
            long memory = device is CPUDevice ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : device.MemorySize;
            entries.Add(new DeviceEntry(kind, index, name, memory, device.WarpSize,
                device.MaxNumThreadsPerGroup, device.NumMultiprocessors, reason, device));
        }

        if (!entries.Any(e => e.Kind == DeviceKind.Cuda))
        {
            CudaDriverReport report = (cudaReport ?? CudaDriverReport.Read)();
            report.TraceTo();
            foreach (string attempt in NativeLibraryFallback.Attempts("cuda"))
                Trace.WriteLine("cuda: ILGPU's import of 'cuda' tried " + attempt);
            if (report.ExplainMissing() is { } why)
                entries.Insert(0, new DeviceEntry(DeviceKind.Cuda, 0, report.Devices.FirstOrDefault()?.Name ?? "(NVIDIA driver)",
                    0, 0, 0, 0, why, null));
        }
        return new DeviceCatalog(context, entries);
    }

    /// <summary>Why ILGPU cannot run on a CUDA device it listed (no PTX version for this driver), or null.</summary>
    private static string? CudaReason(CudaDevice cuda)
    {
        string where = $"compute capability {cuda.Architecture?.Major}.{cuda.Architecture?.Minor}, driver CUDA {cuda.DriverVersion}";
        Trace.WriteLine($"cuda: {cuda.Name.Trim()}: {where}, PTX {cuda.InstructionSet?.ToString() ?? "none"} for " +
            $"{((CudaCapabilityContext)cuda.Capabilities).TargetArchitecture.ToString().ToLowerInvariant()}");
        if (cuda.Architecture is null)
            return $"{where}: not supported by ILGPU 1.5.3";
        if (cuda.InstructionSet is not { } isa || !PTXCodeGenerator.SupportedInstructionSets.Contains(isa))
            return $"{where}: no PTX version ILGPU 1.5.3 knows runs on this driver";
        return null;
    }

    /// <summary>Runs <see cref="Probe"/> on every usable entry <paramref name="which"/> selects; failures become reasons.</summary>
    private void ProbeEntries(Func<DeviceEntry, bool> which)
    {
        for (int i = 0; i < entries.Count; i++)
            if (entries[i].Usable && which(entries[i]) && Probe(entries[i]) is { } failure)
                entries[i] = entries[i] with { UnusableReason = failure, ProbeFailed = true };
    }

    private readonly List<string> notes = new();

    /// <summary>What discovery had to work around (a PTX retry), for the CLI to print as warnings.</summary>
    public IReadOnlyList<string> Notes => notes;

    /// <summary>Opens <paramref name="entry"/> and converts one pixel to Lab and back; null when that works, else why not.</summary>
    private string? Probe(DeviceEntry entry)
    {
        try
        {
            using ComputeDevice device = ComputeDevice.Create(this, entry);
            using var rgb = device.Upload<byte>("probe-rgb", new Tensors.Shape(1, 1, 1, 3), new byte[] { 200, 100, 50 });
            using var lab = device.Allocate<float>("probe-lab", Tensors.Shape.Nchw(1, 3, 1, 1));
            Ops.LabOps.SrgbBytesToLab(rgb, lab);
            Ops.LabOps.LabToSrgbBytes(lab, rgb);
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

        var ofKind = Entries.Where(e => e.Kind == spec.Kind).ToList();
        string kindName = spec.Kind!.Value.ToString().ToLowerInvariant();
        if (ofKind.Count == 0)
            throw new DeviceUnavailableException($"--device {spec}: no {kindName} device on this machine (run 'colorkernels devices')");
        int wanted = spec.Index ?? 0;
        if (wanted >= ofKind.Count)
            throw new DeviceUnavailableException($"--device {spec}: only {ofKind.Count} {kindName} device(s), numbered 0 to {ofKind.Count - 1}");
        DeviceEntry entry = ofKind[wanted];
        if (!entry.Usable)
            throw new DeviceUnavailableException($"--device {spec}: {entry.Name} cannot be used: {entry.UnusableReason}");
        return entry;
    }

    /// <summary>Opens the device that <paramref name="spec"/> names.</summary>
    public ComputeDevice Open(DeviceSpec spec) => ComputeDevice.Create(this, Select(spec));

    internal static string OneLine(string message) =>
        string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Frees the ILGPU context (open devices first).</summary>
    public void Dispose() => Context.Dispose();
}
