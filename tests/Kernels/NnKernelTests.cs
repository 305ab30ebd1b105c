using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Activation;
using ColorKernels.Kernels.BatchNorm;
using ColorKernels.Kernels.Softmax;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Resample;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Kernels;

/// <summary>Batch norm, ReLU, channel softmax, annealed mean and bilinear resizing against the references in Kernels (BatchNormReference, ActivationReference, SoftmaxReference, ResampleReference).</summary>
public class NnKernelTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

    // (N, C, H, W) boundary shapes for the per-channel and per-pixel kernels.
    private static readonly (int N, int C, int H, int W)[] Shapes =
        { (1, 1, 1, 1), (1, 3, 31, 31), (2, 4, 32, 32), (1, 2, 33, 33), (3, 5, 17, 5), (1, 313, 7, 9) };

    public static IEnumerable<object[]> DeviceShapes =>
        from d in TestDevices.All from i in Enumerable.Range(0, Shapes.Length) select new object[] { d[0], i };

    [Theory]
    [MemberData(nameof(DeviceShapes))]
    public void BatchNormInference_matches_reference_with_and_without_affine(string deviceId, int shape)
    {
        // Tolerance 1e-5 absolute + 1e-5 relative: one subtraction, one sqrt, one division and one FMA in float32.
        var (n, c, h, w) = Shapes[shape];
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(n * c * h * w, -3, 3, shape);
        float[] mean = TestData.Uniform(c, -1, 1, 2), variance = TestData.Uniform(c, 0.1f, 4f, 3);
        float[] gamma = TestData.Uniform(c, 0.5f, 2, 4), beta = TestData.Uniform(c, -1, 1, 5);
        using var tx = device.Upload("x", Shape.Nchw(n, c, h, w), x);
        using var tm = device.Upload("mean", new Shape(c), mean);
        using var tv = device.Upload("var", new Shape(c), variance);
        using var tg = device.Upload("gamma", new Shape(c), gamma);
        using var tb = device.Upload("beta", new Shape(c), beta);
        foreach (bool affine in new[] { false, true })
        {
            using var ty = device.Upload("y", tx.Shape, TestData.Filled(x.Length, float.NaN));
            BatchNormOps.Inference(tx, tm, tv, affine ? tg : null, affine ? tb : null, ty, 1e-5f);
            AssertClose.All(BatchNormReference.BatchNorm(x, mean, variance, affine ? gamma : null, affine ? beta : null, n, c, h * w, 1e-5),
                ty.Download(), 1e-5, 1e-5, $"affine={affine}");
        }
    }

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

    // (N, C, inH, inW, outH, outW): x4 upsampling as ECCV16 does, downsampling, identity, 1x1 sources, odd ratios.
    private static readonly (int N, int C, int IH, int IW, int OH, int OW)[] ResizeCases =
    {
        (1, 2, 8, 8, 32, 32), (2, 2, 1, 1, 4, 4), (1, 1, 33, 31, 8, 8), (1, 3, 31, 33, 31, 33),
        (1, 2, 5, 7, 17, 3), (1, 1, 64, 64, 1, 1), (1, 2, 16, 9, 64, 36),
    };

    public static IEnumerable<object[]> Resizes =>
        from d in TestDevices.All from i in Enumerable.Range(0, ResizeCases.Length) select new object[] { d[0], i };

    [Theory]
    [MemberData(nameof(Resizes))]
    public void ResizeBilinear_matches_reference(string deviceId, int caseIndex)
    {
        // Tolerance 1e-5: two lerps in float32 on values in [-1, 1].
        var (n, c, ih, iw, oh, ow) = ResizeCases[caseIndex];
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(n * c * ih * iw, -1, 1, caseIndex);
        using var src = device.Upload("src", Shape.Nchw(n, c, ih, iw), x);
        using var dst = device.Upload("dst", Shape.Nchw(n, c, oh, ow), TestData.Filled(n * c * oh * ow, float.NaN));
        ResampleOps.ResizeBilinear(src, 0, c, dst, 0);
        var args = new ResizeArgs(n, c, c, 0, ih, iw, c, 0, oh, ow, 1f, 0f, 1);
        AssertClose.All(ResampleReference.ResizeBilinear(x, new double[n * c * oh * ow], args), dst.Download(), 1e-5, 0);
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void ResizeBilinear_reads_and_writes_channel_ranges_with_scale_and_shift(string deviceId)
    {
        // Pull channel 0 of a 3-channel tensor, normalise it ((L - 50) / 100), and write it into channel 1 of
        // another 3-channel tensor; channels 0 and 2 of the destination must keep their poison.
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] x = TestData.Uniform(2 * 3 * 9 * 7, 0, 100, 3);
        using var src = device.Upload("lab", Shape.Nchw(2, 3, 9, 7), x);
        float[] poison = TestData.Filled(2 * 3 * 4 * 4, -777f);
        using var dst = device.Upload("dst", Shape.Nchw(2, 3, 4, 4), poison);
        ResampleOps.ResizeBilinear(src, 0, 1, dst, 1, 0.01f, -0.5f);
        var args = new ResizeArgs(2, 1, 3, 0, 9, 7, 3, 1, 4, 4, 0.01f, -0.5f, 1);
        double[] expected = ResampleReference.ResizeBilinear(x, poison.Select(v => (double)v).ToArray(), args);
        AssertClose.All(expected, dst.Download(), 1e-5, 1e-6);
    }
}
