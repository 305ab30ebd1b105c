using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// What the op table (tests/Ops/Convolution/ConvolutionCases.cs: forward and transposed, every epilogue,
/// every backend, backward against the scatter references and finite differences) does not express: a
/// convolution without a bias adds nothing, and shapes that do not fit are refused. Tolerance as the
/// table's: atol 1e-4 + rtol 1e-4 (sums of a few hundred products of values in [-1, 1]).
/// </summary>
public class Conv2dTests
{
    private const double Atol = 1e-4, Rtol = 1e-4;

    [Theory]
    [MemberData(nameof(Devices))]
    public void Conv2d_without_bias_adds_nothing(string deviceId)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(2 * 9 * 7, -1, 1, 21), w = TestData.Uniform(3 * 2 * 9, -1, 1, 22);
        using var input = device.Upload("x", Shape.Nchw(1, 2, 9, 7), x);
        using var weight = device.Upload("w", Shape.Nchw(3, 2, 3, 3), w);
        using var output = device.Upload("y", Shape.Nchw(1, 3, 9, 7), TestData.Filled(3 * 63, float.NaN));
        Conv2dOps.Forward(input, weight, null, output, 1, 1);
        var args = Conv2dArgs.Forward(1, 2, 9, 7, 3, 3, 1, 1, 1);
        AssertClose.All(Conv2dReference.Forward(x, w, null, null, null, args), output.Download(), Atol, Rtol);
    }

    public static IEnumerable<object[]> Devices => TestDevices.All;

    /// <summary>
    /// The GPUs' default, tiled-auto, gives a product of 128 output rows (channels) or more to the 128 x 128-tile
    /// kernel and one of 127 to the 64 x 64 one (the rule measured on an H200), and either way matches the
    /// reference; on the CPU accelerator's 2 x 2-thread groups, so the choice itself is tested without a GPU.
    /// </summary>
    [Theory]
    [InlineData(127, "TiledConvKernel", "TiledConvLargeKernel")]
    [InlineData(128, "TiledConvLargeKernel", "TiledConvKernel")]
    public void Tiled_auto_picks_the_kernel_by_the_products_rows(int outC, string used, string unused)
    {
        using DeviceCatalog catalog = DeviceCatalog.Discover();
        using ComputeDevice device = catalog.Open(new DeviceSpec(DeviceKind.Cpu, 0));
        device.ConvAlgorithm = ConvAlgorithm.TiledGemmAuto;
        device.Launcher.Profiling = true;
        float[] x = TestData.Uniform(2 * 5 * 3, -1, 1, 31), w = TestData.Uniform(outC * 2 * 9, -1, 1, 32);
        using var input = device.Upload("x", Shape.Nchw(1, 2, 5, 3), x);
        using var weight = device.Upload("w", Shape.Nchw(outC, 2, 3, 3), w);
        using var output = device.Upload("y", Shape.Nchw(1, outC, 5, 3), TestData.Filled(outC * 15, float.NaN));
        Conv2dOps.Forward(input, weight, null, output, 1, 1);
        AssertClose.All(Conv2dReference.Forward(x, w, null, null, null, Conv2dArgs.Forward(1, 2, 5, 3, outC, 3, 1, 1, 1)), output.Download(), Atol, Rtol);
        Assert.Contains(used, device.Launcher.Timings.Keys);
        Assert.DoesNotContain(unused, device.Launcher.Timings.Keys);
        // The two cases straddle the rule's boundary: a new LargeFromRows must move them with it.
        Assert.Equal(used == "TiledConvLargeKernel", outC >= TiledConvChoice.LargeFromRows);
    }

    [Fact]
    public void Mismatched_shapes_are_refused()
    {
        ComputeDevice device = TestDevices.Get("cpu:0");
        using var input = device.Allocate<float>("x", Shape.Nchw(1, 2, 8, 8));
        using var weight = device.Allocate<float>("w", Shape.Nchw(3, 4, 3, 3));
        using var output = device.Allocate<float>("y", Shape.Nchw(1, 3, 8, 8));
        var e = Assert.Throws<ArgumentException>(() => Conv2dOps.Forward(input, weight, null, output, 1, 1));
        Assert.Contains("'w'", e.Message);
    }
}
