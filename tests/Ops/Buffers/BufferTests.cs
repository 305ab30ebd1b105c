using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>Fill, and the deterministic sum of squares (bit-identical when repeated).</summary>
public class BufferTests
{
    public static IEnumerable<object[]> Devices => TestDevices.Accelerators;

    [Theory]
    [MemberData(nameof(Devices))]
    public void Sum_of_squares_and_fill(string deviceId)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(1000, -1, 1, 91);
        using var t = device.Upload("x", new Shape(1000), x);
        using var result = device.Allocate<float>("sum", new Shape(1));
        using var partials = device.Upload("partials", new Shape(device.Launcher.MaxElementThreads), TestData.Filled(device.Launcher.MaxElementThreads, float.NaN));
        BufferOps.Fill(result, 1f);
        BufferOps.AddSumOfSquares(t, partials, result);
        Assert.Equal(1 + x.Sum(v => (double)v * v), result.Download()[0], 1e-3);
        float first = result.Download()[0];
        BufferOps.Fill(result, 1f);
        BufferOps.AddSumOfSquares(t, partials, result);
        Assert.Equal(first, result.Download()[0]);   // bit-identical: no atomics
        BufferOps.Fill(t, 2.5f);
        Assert.All(t.Download(), v => Assert.Equal(2.5f, v));
    }
}
