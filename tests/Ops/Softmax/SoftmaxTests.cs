using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Softmax;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>The palette decode's limits (mode, mean, overflow); softmax and the decode against their references, at several temperatures, are in the op table (SoftmaxCases).</summary>
public class SoftmaxTests
{
    public static IEnumerable<object[]> Devices => TestDevices.Accelerators;

    [Theory]
    [MemberData(nameof(Devices))]
    public void PaletteDecode_limits(string deviceId)
    {
        // What the op table's reference comparison cannot show: T = 0 is exactly the mode's colour, equal
        // logits give the palette's plain average at any T, any T stays inside the palette's bounding box,
        // and logits of +-1e30 (exp(z / T) overflows float) still decode.
        ComputeDevice device = TestDevices.Get(deviceId);
        const int Q = 5;
        float[] palette = { -50, 30, -10, 5, 0, -40, 20, 60, 80, -70 };   // (a, b) pairs
        float[] z = { 1f, 2f, 0.5f, 3f, 2.5f, /* pixel 1 */ 0, 0, 0, 0, 0, /* pixel 2 */ -1e30f, 1e30f, 0, 0, 0 };
        var planar = new float[Q * 3];
        for (int q = 0; q < Q; q++)
            for (int p = 0; p < 3; p++)
                planar[q * 3 + p] = z[p * Q + q];
        using var tz = device.Upload("logits", Shape.Nchw(1, Q, 1, 3), planar);
        using var tp = device.Upload("palette", new Shape(Q, 2), palette);
        using var ab = device.Allocate<float>("ab", Shape.Nchw(1, 2, 1, 3));
        float[] a = palette.Where((_, i) => i % 2 == 0).ToArray(), b = palette.Where((_, i) => i % 2 == 1).ToArray();

        SoftmaxOps.PaletteDecode(tz, tp, ab, 0f);
        float[] mode = ab.Download();
        Assert.Equal(new[] { 20f, -50f, -10f }, mode[..3]);   // equal logits: the first entry
        Assert.Equal(new[] { 60f, 30f, 5f }, mode[3..]);

        SoftmaxOps.PaletteDecode(tz, tp, ab, 1f);
        float[] mean = ab.Download();
        Assert.Equal(a.Average(), mean[1], 3);
        Assert.Equal(b.Average(), mean[4], 3);
        Assert.Equal((-10f, 5f), (mean[2], mean[5]));

        SoftmaxOps.PaletteDecode(tz, tp, ab, 0.38f);
        float[] annealed = ab.Download();
        Assert.InRange(annealed[0], a.Min(), a.Max());
        Assert.InRange(annealed[3], b.Min(), b.Max());
        Assert.NotEqual(mean[0], annealed[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxOps.PaletteDecode(tz, tp, ab, -1f));
    }
}
