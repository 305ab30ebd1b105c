using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Launch;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// Runs the table of op cases (<see cref="OpCases"/>) on every accelerator of <see cref="TestDevices"/>
/// (convolutions on every convolution variant too): each case's outputs against its reference within its tolerance, its
/// gradients against finite differences, and one coverage check that every kernel of the Kernels project
/// is launched by some case.
/// </summary>
public class OpCaseTests
{
    /// <summary>
    /// Every (device, case). Convolution cases run on every accelerator and every convolution variant
    /// (TestDevices.AllConv: "cpu:0/direct", "cpu:0/tiled", ..., and the 4 x 4-thread CPU device for the large
    /// tiled kernel's K step 2). Every other case runs once per accelerator (TestDevices.Accelerators: the CPU
    /// accelerator, and CUDA and OpenCL devices when present): the variants differ only in how Conv2dOps
    /// convolves, so on them a non-convolution case launched the same kernels on the same CPU accelerator
    /// four times over.
    /// </summary>
    public static IEnumerable<object[]> Cases =>
        from c in OpCases.All
        where !c.PerfOnly
        from d in c.Convolves ? TestDevices.AllConv : TestDevices.Accelerators
        select new object[] { d[0], c.Id };

    public static IEnumerable<object[]> GradientCases =>
        from row in Cases
        where OpCases.Get((string)row[1]).Gradient
        select row;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Op_matches_its_reference(string deviceId, string caseId)
    {
        var (c, run) = Launched(deviceId, caseId);
        using var _ = run;
        Assert.NotEmpty(run.Checks);
        foreach (var (name, actual, expected) in run.Checks)
            AssertClose.All(expected, actual(), c.Tolerance.Atol, c.Tolerance.Rtol, $"{c.Id} {name} (tolerance: {c.Tolerance.Why})");
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient_matches_finite_differences(string deviceId, string caseId)
    {
        var (c, run) = Launched(deviceId, caseId);
        using var _ = run;
        Assert.NotEmpty(run.Gradients);
        foreach (GradientCheck g in run.Gradients)
            GradCheck.Check(g.Loss, g.Point, g.Analytic(), g.Indices, g.Step, g.Atol, g.Rtol, $"{c.Id} {g.Name}");
    }

    /// <summary>Case <paramref name="caseId"/> set up on the shared test device and launched once.</summary>
    private static (OpCase Case, OpRun Run) Launched(string deviceId, string caseId)
    {
        OpCase c = OpCases.Get(caseId);
        OpRun run = c.Start(TestDevices.Get(deviceId));
        try
        {
            run.Launch!();
            return (c, run);
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The declarations agree with the setups: a case marked <see cref="OpCase.Gradient"/> adds gradient checks
    /// and no other does; every case declares its cost where its op launches (some bytes, read by perf and
    /// the profiler from the launcher), and a backward op's case is marked.
    /// </summary>
    [Fact]
    public void Every_case_declares_its_gradient_and_its_op_declares_its_cost()
    {
        using var catalog = DeviceCatalog.Discover();
        using ComputeDevice device = catalog.Open(new DeviceSpec(DeviceKind.Cpu, 0));
        device.Launcher.Profiling = true;
        var wrong = new List<string>();
        foreach (OpCase c in OpCases.All.Where(c => !c.PerfOnly))
        {
            using OpRun run = c.Start(device);
            if (c.Gradient != run.Gradients.Count > 0)
                wrong.Add($"{c.Id}: Gradient = {c.Gradient} but {run.Gradients.Count} gradient checks");
            if (c.Op.Contains("Backward", StringComparison.Ordinal) && !c.Gradient)
                wrong.Add($"{c.Id}: a backward op without gradient checks");
            device.Launcher.ResetTimings();
            run.Launch!();
            if (!(device.Launcher.Timings.Values.Sum(t => t.Bytes) > 0))
                wrong.Add($"{c.Id}: its launches declare no cost (Launcher.Time(kernel, flops, bytes))");
        }
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    /// <summary>
    /// Coverage: the table is run once on a private CPU device per convolution variant with profiling on,
    /// and every kernel the PTX test compiles (public static void *Kernel of the Kernels project) must
    /// appear among the launched kernels' names. A kernel added without a case here fails this test.
    /// </summary>
    [Fact]
    public void Every_kernel_is_launched_by_some_case()
    {
        var names = PtxCompiler.AllKernels.Select(m => m.Name).ToArray();
        Assert.True(names.Distinct().Count() == names.Length, "kernel names must be unique across the Kernels project (the profiler names kernels by method name)");
        var launched = new HashSet<string>(StringComparer.Ordinal);
        using var catalog = DeviceCatalog.Discover();
        foreach (ConvAlgorithm algorithm in ConvAlgorithmNames.All.Values)
        {
            using ComputeDevice device = catalog.Open(new DeviceSpec(DeviceKind.Cpu, 0));
            device.ConvAlgorithm = algorithm;
            device.Launcher.Profiling = true;
            foreach (OpCase c in OpCases.All.Where(c => !c.PerfOnly && (algorithm == ConvAlgorithm.LoweredGemm || c.Convolves)))
            {
                using OpRun run = c.Start(device);
                run.Launch!();
            }
            launched.UnionWith(device.Launcher.Timings.Keys);
        }
        string[] missing = names.Where(n => !launched.Contains(n)).ToArray();
        Assert.True(missing.Length == 0, $"kernels no op case launches (add a case to tests/Ops/OpCases.cs): {string.Join(", ", missing)}");
    }
}
