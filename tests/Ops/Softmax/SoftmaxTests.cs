using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Softmax;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>Channel softmax at several temperatures and the annealed mean: against SoftmaxReference, and its limits (mode, mean).</summary>
public class SoftmaxTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

    private static readonly (int N, int C, int H, int W)[] Shapes = TestData.Nchw;

    public static IEnumerable<object[]> DeviceShapes => TestData.DeviceNchw(TestDevices.All);

    [Theory]
    [MemberData(nameof(DeviceShapes))]
    public void Softmax_matches_reference_at_several_temperatures(string deviceId, int shape)
    {
        // Tolerance 1e-6 absolute + 1e-4 relative on probabilities: float32 exp (approximate ex2 on GPUs)
        // and a sum of up to 313 terms.
        var (n, c, h, w) = Shapes[shape];
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] z = TestData.Uniform(n * c * h * w, -8, 8, shape);
        using var tz = device.Upload("logits", Shape.Nchw(n, c, h, w), z);
        foreach (float t in new[] { 1f, 0.38f, 2.5f })
        {
            using var tp = device.Upload("p", tz.Shape, TestData.Filled(z.Length, float.NaN));
            SoftmaxOps.Softmax(tz, tp, t);
            AssertClose.All(SoftmaxReference.Softmax(z, n, c, h * w, t), tp.Download(), 1e-6, 1e-4, $"T={t}");
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void AnnealedMean_matches_softmax_then_expectation(string deviceId)
    {
        // Tolerance 1e-3 ab units (ab spans about +-110): the fused kernel and the double reference differ
        // only by float32 rounding of 313-term sums.
        ComputeDevice device = TestDevices.Get(deviceId);
        foreach (var (n, h, w) in new[] { (1, 1, 1), (2, 31, 33), (1, 32, 7) })
        {
            const int Q = 313;
            float[] z = TestData.Uniform(n * Q * h * w, -6, 6, h);
            float[] decode = TestData.Uniform(2 * Q, -110, 110, 7);
            using var tz = device.Upload("logits", Shape.Nchw(n, Q, h, w), z);
            using var td = device.Upload("decode", new Shape(2, Q), decode);
            foreach (float t in new[] { 1f, 0.38f, 0.1f })
            {
                using var ab = device.Upload("ab", Shape.Nchw(n, 2, h, w), TestData.Filled(n * 2 * h * w, float.NaN));
                SoftmaxOps.AnnealedMean(tz, td, ab, t);
                AssertClose.All(SoftmaxReference.AnnealedMean(z, decode, n, Q, h * w, t), ab.Download(), 1e-3, 1e-5, $"{n}x{h}x{w} T={t}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void AnnealedMean_properties(string deviceId)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        const int Q = 5;
        float[] decode = { -50, -10, 0, 20, 80, /* b: */ 30, 5, -40, 60, -70 };
        // Pixel 0: a clear winner (bin 3); pixel 1: all logits equal.
        float[] z = { 1f, 2f, 0.5f, 3f, 2.5f, /* pixel 1 */ 0, 0, 0, 0, 0 };
        var planar = new float[Q * 2];
        for (int q = 0; q < Q; q++)
        {
            planar[q * 2] = z[q];
            planar[q * 2 + 1] = z[Q + q];
        }
        using var tz = device.Upload("logits", Shape.Nchw(1, Q, 1, 2), planar);
        using var td = device.Upload("decode", new Shape(2, Q), decode);
        using var ab = device.Allocate<float>("ab", Shape.Nchw(1, 2, 1, 2));

        // T near 0 gives the mode: bin 3's centre.
        SoftmaxOps.AnnealedMean(tz, td, ab, 0.01f);
        float[] mode = ab.Download();
        Assert.Equal(20f, mode[0], 3);
        Assert.Equal(60f, mode[2], 3);

        // T = 1 gives the mean; equal logits give the plain average of the centres at any T.
        SoftmaxOps.AnnealedMean(tz, td, ab, 1f);
        float[] mean = ab.Download();
        Assert.Equal(decode[..Q].Average(), mean[1], 3);
        Assert.Equal(decode[Q..].Average(), mean[3], 3);

        // Any temperature gives a convex combination of the centres: inside their bounding box.
        SoftmaxOps.AnnealedMean(tz, td, ab, 0.38f);
        float[] annealed = ab.Download();
        Assert.InRange(annealed[0], decode[..Q].Min(), decode[..Q].Max());
        Assert.InRange(annealed[2], decode[Q..].Min(), decode[Q..].Max());
        Assert.NotEqual(mean[0], annealed[0]);

        Assert.Throws<ColorKernels.Engine.UserErrorException>(() => SoftmaxOps.AnnealedMean(tz, td, ab, 0f));
    }
}
