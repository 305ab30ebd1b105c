using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Activation;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>ReLU forward (exact) and backward (finite differences).</summary>
public class ActivationTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

    private static readonly (int N, int C, int H, int W)[] Shapes = TestData.Nchw;

    public static IEnumerable<object[]> DeviceShapes => TestData.DeviceNchw(TestDevices.All);

    [Theory]
    [MemberData(nameof(DeviceShapes))]
    public void Relu_matches_reference(string deviceId, int shape)
    {
        var (n, c, h, w) = Shapes[shape];
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(n * c * h * w, -1, 1, shape);
        using var tx = device.Upload("x", Shape.Nchw(n, c, h, w), x);
        using var ty = device.Upload("y", tx.Shape, TestData.Filled(x.Length, float.NaN));
        ActivationOps.Relu(tx, ty);
        AssertClose.All(ActivationReference.Relu(x), ty.Download(), 0, 0);   // exact: max(x, 0) has no rounding
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Relu_backward_matches_finite_differences(string deviceId)
    {
        // Inputs kept at least 0.05 away from the kink, with h = 0.01, so the difference quotient is exact.
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(3 * 31 * 33, -1, 1, 21).Select(v => Math.Abs(v) < 0.05f ? v + 0.1f : v).ToArray();
        float[] r = TestData.Uniform(x.Length, -1, 1, 22);
        using var tx = device.Upload("x", Shape.Nchw(1, 3, 31, 33), x);
        using var ty = device.Allocate<float>("y", tx.Shape);
        using var tr = device.Upload("dy", tx.Shape, r);
        using var dx = device.Upload("dx", tx.Shape, TestData.Filled(x.Length, float.NaN));
        ActivationOps.Relu(tx, ty);
        ActivationOps.ReluBackward(ty, tr, dx);
        GradCheck.Check(v => v.Select((xi, i) => Math.Max(xi, 0) * r[i]).Sum(), x, dx.Download(), GradCheck.Sample(x.Length, 60, 23), 0.01, 1e-6, 1e-6, "dx");
    }
}
