using System.Reflection;
using ColorKernels.Kernels.Color;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace ColorKernels.Tests.Kernels;

/// <summary>
/// GPU-only faults hide from CPU tests: every kernel of the Kernels assembly is compiled to PTX here (the
/// PTX backend needs no GPU), and any unresolved <c>.extern</c> (MathF.Cbrt leaves one) fails the test.
/// Kernels are found by convention: public static methods named *Kernel in ColorKernels.Kernels.
/// </summary>
public class PtxCompileTests
{
    public static IEnumerable<object[]> KernelMethods =>
        AllKernels().Select(m => new object[] { m.DeclaringType!.Name + "." + m.Name });

    public static IEnumerable<MethodInfo> AllKernels() =>
        typeof(LabKernels).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Kernel", StringComparison.Ordinal) && m.ReturnType == typeof(void))
            .OrderBy(m => m.DeclaringType!.Name).ThenBy(m => m.Name);

    private static readonly Lazy<(Context Context, PTXBackend Backend)> Ptx = new(() =>
    {
        // The same context options the engine uses (EnableAlgorithms maps Exp/Log/Pow to device code).
        Context context = Context.Create(b => b.EnableAlgorithms());
        // sm_90 (H100/H200, the GPU machine); ISA 8.0 is the lowest PTX version that targets it.
        var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90),
            CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, nvvmAPI: null);
        return (context, backend);
    });

    [Fact]
    public void Kernels_are_found()
    {
        Assert.Contains(AllKernels(), m => m.Name == nameof(LabKernels.SrgbBytesToLabKernel));
    }

    [Theory]
    [MemberData(nameof(KernelMethods))]
    public void Kernel_compiles_to_PTX_without_unresolved_externs(string kernel)
    {
        MethodInfo method = AllKernels().Single(m => m.DeclaringType!.Name + "." + m.Name == kernel);
        string ptx;
        lock (Ptx)
        {
            var entry = EntryPointDescription.FromExplicitlyGroupedKernel(method);
            var compiled = (PTXCompiledKernel)Ptx.Value.Backend.Compile(entry, KernelSpecialization.Empty);
            ptx = compiled.PTXAssembly;
        }
        Assert.Contains(".entry", ptx);
        string[] externs = ptx.Split('\n').Where(l => l.Contains(".extern")).Select(l => l.Trim()).ToArray();
        Assert.True(externs.Length == 0, $"{kernel} leaves unresolved symbols in PTX: {string.Join("; ", externs)}");
    }
}
