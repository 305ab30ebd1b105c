using ColorKernels.Engine.Launch;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace ColorKernels.Engine.Devices;

/// <summary>The convolution kernels a device runs.</summary>
public enum ConvAlgorithm
{
    /// <summary>One thread per output element, reading its window from global memory: the plain baseline.</summary>
    Direct,

    /// <summary>im2col / col2im + the register-blocked, barrier-free GEMM, image by image (the CPU accelerator's).</summary>
    LoweredGemm,

    /// <summary>Implicit GEMM with shared-memory tiles (64 x 64 on GPUs) and 4 x 4 register blocks, split-K weight gradients (the GPUs').</summary>
    TiledGemm,

    /// <summary>The same with 8 x 8 register blocks (128 x 128 tiles on GPUs) and double-buffered shared tiles: for the big layers.</summary>
    TiledGemmLarge,

    /// <summary>
    /// Per product, the one of the two that was faster on an H200 (perf/NOTES.md, conv-shapes): the large kernel
    /// where the GEMM has <see cref="TiledConvChoice.LargeFromRows"/> rows or more, the 64 x 64 one below (the GPUs').
    /// </summary>
    TiledGemmAuto,
}

/// <summary>How <see cref="ConvAlgorithm.TiledGemmAuto"/> chooses between the two tiled kernels.</summary>
public static class TiledConvChoice
{
    /// <summary>
    /// 128: on the H200 the 128 x 128-tile kernel ran every measured product with 128 output rows (channels)
    /// or more faster (forward 0.40-0.46x of cuDNN against 0.27-0.33x for the 64 x 64 one), and the two with
    /// 64 slower (half-empty tiles, too few groups for 132 multiprocessors).
    /// </summary>
    public const int LargeFromRows = 128;

    /// <summary>Whether a GEMM of <paramref name="rows"/> rows gets the large kernel.</summary>
    public static bool UsesLarge(int rows) => rows >= LargeFromRows;
}

/// <summary>The names <c>--conv</c> options, benchmarks and test device ids use for each <see cref="ConvAlgorithm"/>.</summary>
public static class ConvAlgorithmNames
{
    /// <summary>Every convolution backend by its option name.</summary>
    public static IReadOnlyDictionary<string, ConvAlgorithm> All { get; } = new Dictionary<string, ConvAlgorithm>
    {
        ["tiled"] = ConvAlgorithm.TiledGemm,
        ["tiled-large"] = ConvAlgorithm.TiledGemmLarge,
        ["tiled-auto"] = ConvAlgorithm.TiledGemmAuto,
        ["gemm"] = ConvAlgorithm.LoweredGemm,
        ["direct"] = ConvAlgorithm.Direct,
    };

    /// <summary>"tiled, tiled-large, gemm or direct", for messages.</summary>
    public static string Listed => string.Join(", ", All.Keys.SkipLast(1)) + " or " + All.Keys.Last();
}

/// <summary>
/// One accelerator in use: its stream, its kernels (compiled once), its launcher, and the tensors
/// allocated on it. Open one with <see cref="Open(string)"/> or <see cref="DeviceCatalog.Open"/>.
/// </summary>
public sealed class ComputeDevice : IDisposable
{
    private readonly DeviceCatalog? ownedCatalog;

    private ComputeDevice(DeviceEntry entry, Accelerator accelerator, DeviceCatalog? ownedCatalog, IReadOnlyList<string> catalogNotes)
    {
        Entry = entry;
        Accelerator = accelerator;
        Notes = catalogNotes;
        this.ownedCatalog = ownedCatalog;
        Kernels = new KernelSet(accelerator);
        Launcher = new Launcher(accelerator, accelerator.DefaultStream);
        // Square groups of up to 16 x 16 threads (a 64 x 64 tile); the CPU accelerator's groups of 4 give 2 x 2.
        int side = 1;
        while (side < 16 && (side * 2) * (side * 2) <= accelerator.MaxNumThreadsPerGroup)
            side *= 2;
        TileGroupSide = side;
        ConvAlgorithm = entry.Kind == DeviceKind.Cpu ? ConvAlgorithm.LoweredGemm : ConvAlgorithm.TiledGemmAuto;
    }

    /// <summary>The catalog entry this device was opened from.</summary>
    public DeviceEntry Entry { get; }

    /// <summary>What device discovery had to work around (a PTX retry on CUDA); callers show them as warnings.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>CUDA, OpenCL or the CPU accelerator.</summary>
    public DeviceKind Kind => Entry.Kind;

    /// <summary>The device's name as its driver reports it.</summary>
    public string Name => Entry.Name;

    /// <summary>"cpu:0 ILGPU CPU accelerator on 2 cores": the form every report names a device in.</summary>
    public string Description => $"{Entry.Id} {Entry.Name}";

    internal Accelerator Accelerator { get; }

    internal AcceleratorStream Stream => Accelerator.DefaultStream;

    internal KernelSet Kernels { get; }

    /// <summary>
    /// How convolutions (all six passes) run here: the tiled implicit GEMM on GPUs, im2col + the
    /// register-blocked GEMM on the CPU accelerator (which runs barrier kernels very slowly). Tests and
    /// <c>profile --conv</c> switch it to check or time every variant on one device.
    /// </summary>
    public ConvAlgorithm ConvAlgorithm
    {
        get => ConvBackend.Algorithm;
        set => ConvBackend = ConvBackends.For(value, TileGroupSide);
    }

    /// <summary>The backend that runs <see cref="ConvAlgorithm"/> here: the one place the variant is chosen.</summary>
    internal IConvBackend ConvBackend { get; private set; } = DirectConv.Instance;

    /// <summary>Threads per side of the tiled convolution's square groups (16 on GPUs; 2 on the CPU accelerator).</summary>
    internal int TileGroupSide { get; }

    private readonly Dictionary<(string Name, int Thread), Tensor<float>> workspaces = new();

    /// <summary>
    /// A scratch tensor of at least <paramref name="elements"/> floats, kept and reused by name (grown when
    /// too small). Its contents are undefined; each op names its own scratch so that ops never share one,
    /// and each thread gets its own, so that two threads using one device (parallel tests do) never
    /// overwrite each other's intermediate results.
    /// </summary>
    internal Tensor<float> Workspace(string name, int elements)
    {
        var key = (name, Environment.CurrentManagedThreadId);
        lock (workspaces)
        {
            if (workspaces.TryGetValue(key, out Tensor<float>? t) && t.Elements >= elements)
                return t;
            t?.Dispose();
            return workspaces[key] = Allocate<float>("workspace." + name, new Shape(Math.Max(1, elements)));
        }
    }

    internal Launcher Launcher { get; }

    /// <summary>Discovers the machine's devices and opens the one <paramref name="spec"/> names (auto, cuda:1, cpu ...).</summary>
    public static ComputeDevice Open(string spec)
    {
        DeviceSpec parsed = DeviceSpec.Parse(spec);
        DeviceCatalog catalog = DeviceCatalog.Discover();
        try
        {
            return Create(catalog, catalog.Select(parsed), ownsCatalog: true);
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
    }

    internal static ComputeDevice Create(DeviceCatalog catalog, DeviceEntry entry, bool ownsCatalog = false)
    {
        Accelerator accelerator;
        try
        {
            accelerator = entry.Device!.CreateAccelerator(catalog.Context);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new UserErrorException($"cannot open {entry.Id} ({entry.Name}): {DeviceCatalog.OneLine(e.Message)}", e);
        }
        return new ComputeDevice(entry, accelerator, ownsCatalog ? catalog : null, catalog.Notes);
    }

    /// <summary>Allocates an uninitialised tensor; running out of device memory is a <see cref="UserErrorException"/>.</summary>
    internal Tensor<T> Allocate<T>(string name, Shape shape) where T : unmanaged
    {
        try
        {
            return new Tensor<T>(this, name, shape, Accelerator.Allocate1D<T>(shape.Elements));
        }
        catch (Exception e) when (e is OutOfMemoryException || e is AcceleratorException)
        {
            long bytes = (long)shape.Elements * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            throw new UserErrorException(
                $"out of memory on {Description}: tensor '{name}' {shape} needs {bytes / (1024.0 * 1024.0):F1} MiB " +
                $"(device has {Entry.MemoryBytes / (1024.0 * 1024.0):F0} MiB); use smaller images or batches", e);
        }
    }

    /// <summary>Allocates a tensor and fills it from <paramref name="data"/>.</summary>
    internal Tensor<T> Upload<T>(string name, Shape shape, ReadOnlySpan<T> data) where T : unmanaged
    {
        Tensor<T> tensor = Allocate<T>(name, shape);
        try
        {
            tensor.Upload(data);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>Waits until every queued launch and copy has finished.</summary>
    public void Synchronize() => Stream.Synchronize();

    /// <summary>The device's <see cref="Description"/>.</summary>
    public override string ToString() => Description;

    /// <summary>Frees every tensor on the device and the accelerator (and the catalog when the device opened its own).</summary>
    public void Dispose()
    {
        foreach (Tensor<float> t in workspaces.Values)
            t.Dispose();
        Accelerator.Dispose();
        ownedCatalog?.Dispose();
    }
}
