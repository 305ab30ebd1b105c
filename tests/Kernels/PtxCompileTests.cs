using System.Reflection;
using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Kernels.Color;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace ColorKernels.Tests.Kernels;

/// <summary>
/// GPU-only faults hide from CPU tests: every kernel of the Kernels assembly is compiled to PTX here (the
/// PTX backend needs no GPU) with the target and instruction set ILGPU 1.5.3 will choose on the GPU
/// machine's cards (compute capability 9.0) on a 13.x driver (that machine's: PTX 8.8, sm_80) and on a 12.x
/// driver (12.4: PTX 8.4), and any unresolved <c>.extern</c> (MathF.Cbrt leaves one) fails the test.
/// Kernels are found by convention: public static methods named *Kernel in ColorKernels.Kernels.
/// </summary>
public class PtxCompileTests
{
    /// <summary>The drivers compiled for: 13.0 (the GPU machine's 580 driver) and 12.4.</summary>
    private static readonly Dictionary<int, Lazy<PtxCompiler>> Compilers = new()
    {
        [13000] = new(() => new PtxCompiler(9, 0, 13000)),
        [12040] = new(() => new PtxCompiler(9, 0, 12040)),
    };

    public static IEnumerable<object[]> KernelMethods => PtxCompiler.AllKernels.Select(m => new object[] { PtxCompiler.NameOf(m) });

    public static IEnumerable<object[]> KernelsByDriver =>
        PtxCompiler.AllKernels.SelectMany(m => Compilers.Keys.Select(driver => new object[] { PtxCompiler.NameOf(m), driver }));

    [Fact]
    public void Kernels_are_found()
    {
        Assert.Contains(PtxCompiler.AllKernels, m => m.Name == nameof(LabKernels.SrgbBytesToLabKernel));
    }

    [Theory]
    [InlineData(9, 0, 13000, "8.8", "sm_80")]   // H100/H200 on the GPU machine's driver (CUDA 13.0)
    [InlineData(9, 0, 12090, "8.8", "sm_80")]   // 12.9 is the first driver PTX 8.8 needs
    [InlineData(9, 0, 12080, "8.7", "sm_80")]
    [InlineData(9, 0, 12040, "8.4", "sm_80")]
    [InlineData(8, 6, 13000, "8.8", "sm_80")]   // an RTX 30xx: same target
    [InlineData(7, 5, 13000, "8.8", "sm_75")]   // a T4: capped at the card's own architecture
    public void ILGPU_chooses_the_PTX_this_project_expects(int major, int minor, int driver, string isa, string target)
    {
        (CudaArchitecture? t, CudaInstructionSet? i) = PtxChoice.For(major, minor, driver);
        Assert.Equal(target, t?.ToString().ToLowerInvariant());
        Assert.Equal(isa, i?.ToString());
    }

    [Fact]
    public void A_driver_too_old_for_every_PTX_version_ILGPU_knows_has_no_instruction_set()
    {
        // PTX 6.0 (the oldest ILGPU 1.5.3 emits) needs CUDA 9.0; sm_80 needs 11.0.
        Assert.Null(PtxChoice.For(9, 0, 10020).InstructionSet);
        Assert.Contains("no PTX version", PtxChoice.Describe(9, 0, 10020));
        Assert.Throws<Engine.UserErrorException>(() => new PtxCompiler(9, 0, 10020));
    }

    [Fact]
    public void The_retry_instruction_set_is_the_oldest_that_targets_the_architecture()
    {
        // sm_80 first appeared in PTX 7.0 (CUDA 11.0); every newer driver accepts PTX 7.0.
        Assert.Equal(new CudaInstructionSet(7, 0), PtxChoice.Fallback(CudaArchitecture.SM_80, new CudaInstructionSet(8, 8)));
        Assert.Null(PtxChoice.Fallback(CudaArchitecture.SM_80, new CudaInstructionSet(7, 0)));
        using var compiler = new PtxCompiler(9, 0, 13000, new CudaInstructionSet(7, 0));
        Assert.StartsWith(".version 7.0\n.target sm_80", Body(compiler.Compile(PtxCompiler.AllKernels[0])));
    }

    [Theory]
    [MemberData(nameof(KernelsByDriver))]
    public void Kernel_compiles_to_the_PTX_that_will_run_without_unresolved_externs(string kernel, int driver)
    {
        MethodInfo method = PtxCompiler.AllKernels.Single(m => PtxCompiler.NameOf(m) == kernel);
        PtxCompiler compiler = Compilers[driver].Value;
        string ptx = compiler.Compile(method);
        Assert.Contains(".entry", ptx);
        Assert.StartsWith(compiler.ExpectedHeader, Body(ptx));
        string[] externs = PtxCompiler.Externs(ptx);
        Assert.True(externs.Length == 0, $"{kernel} leaves unresolved symbols in PTX: {string.Join("; ", externs)}");
    }

    /// <summary>The PTX from its first directive on (ILGPU starts it with a comment block naming its version).</summary>
    private static string Body(string ptx)
    {
        string text = ptx.Replace("\r", "", StringComparison.Ordinal);
        return text[text.IndexOf(".version", StringComparison.Ordinal)..];
    }
}
