using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;

namespace ColorKernels.Tests.Ops;

/// <summary>An error bound, atol + rtol |expected|, and why it is that size.</summary>
internal readonly record struct Tolerance(double Atol, double Rtol, string Why)
{
    /// <summary>Bit-exact: integer results, copies, comparisons.</summary>
    public static Tolerance Exact(string why) => new(0, 0, why);
}

/// <summary>
/// A finite-difference check: <see cref="Loss"/> evaluated in double at <see cref="Point"/> and at points
/// h apart along the sampled coordinates, against the device's gradient (read after the launch).
/// </summary>
internal sealed record GradientCheck(string Name, Func<double[], double> Loss, float[] Point, Func<float[]> Analytic, int[] Indices,
    double Step, double Atol, double Rtol);

/// <summary>
/// One case of one op (ggml's test-backend-ops, in C#): a name, a shape, the tolerance its outputs are held
/// to and why, whether finite differences check its gradients, and a setup that makes the inputs on a
/// device, says what <see cref="OpRun.Launch"/> runs, and which outputs must equal which double-precision
/// reference (and, for backward ops, which gradients finite differences check). An op's cost (floating-point
/// operations, compulsory bytes) is declared once, where the op launches its kernel (Launcher.Time); perf
/// and the profiler read it from there. The same table is run on every test device and variant
/// (tests/Ops/OpCaseTests.cs), checked for kernel coverage, and timed by perf (perf/Speed/OpTableBench.cs).
/// Each family's cases are in tests/Ops/&lt;Family&gt;/&lt;Family&gt;Cases.cs.
/// </summary>
internal sealed record OpCase(string Op, string Shape, Tolerance Tolerance, Action<OpRun> Setup)
{
    /// <summary>"BatchNorm.Inference 2x4x32x32": how tests and perf name the case.</summary>
    public string Id => $"{Op} {Shape}";

    /// <summary>
    /// A convolution op (Conv2d.*): the only ops that run through ComputeDevice.ConvAlgorithm's backend, so the
    /// only ones the tests run on every convolution variant (TestDevices.AllConv); the rest run once per accelerator.
    /// </summary>
    public bool Convolves => Op.StartsWith("Conv2d.", StringComparison.Ordinal);

    /// <summary>Only perf runs it (too large for the CPU accelerator's test runs; perf validates it before timing).</summary>
    public bool PerfOnly { get; init; }

    /// <summary>A backward op (or a loss with its gradient): its setup adds gradient checks, which finite differences verify.</summary>
    public bool Gradient { get; init; }

    /// <summary>Makes the case's tensors on <paramref name="device"/>; nothing is launched yet.</summary>
    public OpRun Start(ComputeDevice device)
    {
        var run = new OpRun(device);
        try
        {
            Setup(run);
            if (run.Launch is null)
                throw new InvalidOperationException($"op case {Id} sets no launch");
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    public override string ToString() => Id;
}

/// <summary>One case set up on one device: its tensors (disposed with it), its launch, and what to check after it.</summary>
internal sealed class OpRun : IDisposable
{
    private readonly List<IDisposable> tensors = new();

    internal OpRun(ComputeDevice device) => Device = device;

    public ComputeDevice Device { get; }

    /// <summary>The op under test: what the tests run once and perf times.</summary>
    public Action? Launch { get; set; }

    /// <summary>Outputs read back after one launch and the reference each must match (within the case's tolerance).</summary>
    public List<(string Name, Func<float[]> Actual, double[] Expected)> Checks { get; } = new();

    public List<GradientCheck> Gradients { get; } = new();

    public Tensor<float> In(string name, Shape shape, float[] data) => Keep(Device.Upload(name, shape, data));

    public Tensor<int> In(string name, Shape shape, int[] data) => Keep(Device.Upload(name, shape, data));

    public Tensor<byte> In(string name, Shape shape, byte[] data) => Keep(Device.Upload(name, shape, data));

    /// <summary>An output poisoned with NaN, so an element the op does not write fails the check.</summary>
    public Tensor<float> Out(string name, Shape shape) => In(name, shape, TestData.Filled(shape.Elements, float.NaN));

    /// <summary>Compares <paramref name="output"/> after the launch with <paramref name="expected"/>.</summary>
    public void Check(string name, Tensor<float> output, double[] expected) => Checks.Add((name, output.Download, expected));

    /// <summary>Compares the tensor <paramref name="output"/> names after the launch (an op that says where it left its result) with <paramref name="expected"/>.</summary>
    public void Check(string name, Func<Tensor<float>> output, double[] expected) => Checks.Add((name, () => output().Download(), expected));

    public void Check(string name, Tensor<int> output, int[] expected) =>
        Checks.Add((name, () => output.Download().Select(v => (float)v).ToArray(), expected.Select(v => (double)v).ToArray()));

    private Tensor<T> Keep<T>(Tensor<T> t) where T : unmanaged
    {
        tensors.Add(t);
        return t;
    }

    public void Dispose()
    {
        foreach (IDisposable t in tensors)
            t.Dispose();
    }
}
