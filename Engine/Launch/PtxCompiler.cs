using System.Reflection;
using ColorKernels.Engine.Devices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace ColorKernels.Engine.Launch;

/// <summary>
/// Compiles kernels to PTX with no GPU, exactly as ILGPU's CUDA accelerator will for a given card and
/// driver: the same context options as the engine (EnableAlgorithms), the same capability context, target
/// and instruction set (<see cref="PtxChoice"/>). The PTX tests use it to catch GPU-only faults on the CPU
/// machine, and perf's <c>ptx</c> command writes every kernel's PTX for CUDA's ptxas on the GPU machine.
/// </summary>
internal sealed class PtxCompiler : IDisposable
{
    private readonly Context context;
    private readonly PTXBackend backend;
    private readonly object gate = new();

    /// <summary>A compiler for compute capability <paramref name="major"/>.<paramref name="minor"/> on driver <paramref name="driverVersion"/> (13000 = 13.0).</summary>
    public PtxCompiler(int major, int minor, int driverVersion, CudaInstructionSet? instructionSet = null)
    {
        (CudaArchitecture? target, CudaInstructionSet? chosen) = PtxChoice.For(major, minor, driverVersion);
        if (target is null || (instructionSet ?? chosen) is not { } isa)
            throw new UserErrorException($"compute capability {major}.{minor} on driver CUDA {CudaDriverReport.FormatVersion(driverVersion)}: " +
                PtxChoice.Describe(major, minor, driverVersion));
        CudaDevice.TryGetArchitecture(major, minor, out CudaArchitecture architecture);
        context = Context.Create(b => b.EnableAlgorithms());
        // What CudaAccelerator passes: the device's capability context (whose target is capped), its
        // architecture and the device's instruction set.
        backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, isa, nvvmAPI: null);
        Target = target.Value;
        InstructionSet = isa;
    }

    public CudaArchitecture Target { get; }

    public CudaInstructionSet InstructionSet { get; }

    /// <summary>The <c>.version</c> and <c>.target</c> lines this compiler's PTX must start with.</summary>
    public string ExpectedHeader => $".version {InstructionSet}\n.target {Target.ToString().ToLowerInvariant()}";

    /// <summary>Every kernel of the Kernels assembly: public static void methods named *Kernel, by type and name.</summary>
    public static IReadOnlyList<MethodInfo> AllKernels { get; } =
        typeof(Kernels.Color.LabKernels).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Kernel", StringComparison.Ordinal) && m.ReturnType == typeof(void))
            .OrderBy(m => m.DeclaringType!.Name, StringComparer.Ordinal).ThenBy(m => m.Name, StringComparer.Ordinal)
            .ToArray();

    /// <summary>"LabKernels.SrgbBytesToLabKernel".</summary>
    public static string NameOf(MethodInfo kernel) => kernel.DeclaringType!.Name + "." + kernel.Name;

    /// <summary>The PTX of one kernel (thread-safe: compilations are serialised).</summary>
    public string Compile(MethodInfo kernel)
    {
        lock (gate)
        {
            var entry = EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
            return ((PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
        }
    }

    /// <summary>The lines of <paramref name="ptx"/> that declare unresolved symbols (<c>.extern</c>): a kernel with any fails to load on a GPU.</summary>
    public static string[] Externs(string ptx) =>
        ptx.Split('\n').Where(l => l.Contains(".extern", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();

    public void Dispose()
    {
        backend.Dispose();
        context.Dispose();
    }
}
