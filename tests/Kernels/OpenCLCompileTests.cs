using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using Xunit;

namespace ColorKernels.Tests.Kernels;

/// <summary>
/// The OpenCL counterpart of <see cref="PtxCompileTests"/>: every kernel goes through ILGPU's OpenCL C
/// generator (no OpenCL device needed), which refuses some constructs the PTX backend takes (warp shuffles,
/// for one). Generating the source is as far as this machine can go: no usable OpenCL driver here.
/// </summary>
public class OpenCLCompileTests
{
    public static IEnumerable<object[]> KernelMethods => PtxCompileTests.KernelMethods;

    private static readonly Lazy<(Context Context, CLBackend Backend)> OpenCL = new(() =>
    {
        Context context = Context.Create(b => b.EnableAlgorithms());
        // An OpenCL 2.0 device with generic address space (what ILGPU requires) and doubles.
        var capabilities = new CLCapabilityContext(float16: false, float64: true, genericAddressSpace: true, int64_Atomics: true, subGroups: false);
        return (context, new CLBackend(context, capabilities, CLDeviceVendor.Other, CLCVersion.CL20));
    });

    [Theory]
    [MemberData(nameof(KernelMethods))]
    public void Kernel_compiles_to_OpenCL_C(string kernel)
    {
        MethodInfo method = Engine.Launch.PtxCompiler.AllKernels.Single(m => Engine.Launch.PtxCompiler.NameOf(m) == kernel);
        string source;
        lock (OpenCL)
        {
            var entry = EntryPointDescription.FromExplicitlyGroupedKernel(method);
            source = ((CLCompiledKernel)OpenCL.Value.Backend.Compile(entry, KernelSpecialization.Empty)).Source;
        }
        Assert.Contains("kernel void", source);
    }
}
