using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// The deterministic sum of squares: bit-identical when repeated (fixed-order partial sums, no atomics). Fill and
/// the sum's value, on 1 to 1,000 elements, are the op table's (BuffersCases).
/// </summary>
public class BufferTests
{
    public static IEnumerable<object[]> Devices => TestDevices.Accelerators;

    [Theory]
    [MemberData(nameof(Devices))]
    public void Sum_of_squares_is_bit_identical_when_repeated(string deviceId)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(1000, -1, 1, 91);
        using var t = device.Upload("x", new Shape(1000), x);
        using var result = device.Allocate<float>("sum", new Shape(1));
        using var partials = device.Upload("partials", new Shape(device.Launcher.MaxElementThreads), TestData.Filled(device.Launcher.MaxElementThreads, float.NaN));
        BufferOps.Fill(result, 1f);
        BufferOps.AddSumOfSquares(t, partials, result);
        float first = result.Download()[0];
        BufferOps.Fill(result, 1f);
        BufferOps.AddSumOfSquares(t, partials, result);
        Assert.Equal(first, result.Download()[0]);   // bit-identical: no atomics
    }
}
