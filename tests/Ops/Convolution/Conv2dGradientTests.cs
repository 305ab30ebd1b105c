using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>
/// Convolution and transposed-convolution backward passes against finite differences of a double-precision
/// forward, on every backend. The scalar checked is L = sum(r * forward(...)) with a random upstream
/// gradient r, so dL/d(input) is exactly what the backward passes compute from r. Parameter gradients are
/// checked to accumulate: they start at 1, and the result minus 1 is compared.
/// </summary>
public class Conv2dGradientTests
{
    // (N, InC, H, W, OutC, K, stride, pad, dilation): 1x1, strided, dilated, odd and non-square, 1-pixel images.
    // The last is one tile of the tiled weight gradient with K = 330 pixels: it splits K 4 ways (uneven last split).
    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P, int D)[] ConvCases =
    {
        (1, 1, 1, 1, 1, 3, 1, 1, 1), (2, 3, 7, 5, 2, 3, 1, 1, 1), (1, 2, 9, 8, 3, 3, 2, 1, 1),
        (1, 2, 9, 9, 2, 3, 1, 2, 2), (2, 4, 5, 6, 3, 1, 1, 0, 1), (1, 3, 33, 31, 2, 3, 2, 1, 1),
        (2, 4, 15, 11, 3, 1, 1, 0, 1),
    };

    public static IEnumerable<object[]> Convs =>
        from d in TestDevices.AllConv from i in Enumerable.Range(0, ConvCases.Length) select new object[] { d[0], i };

    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P)[] TransposedCases =
    {
        (1, 1, 1, 1, 1, 4, 2, 1), (2, 3, 4, 5, 2, 4, 2, 1), (1, 2, 7, 7, 3, 3, 1, 1), (1, 2, 9, 16, 2, 4, 2, 1),
    };

    public static IEnumerable<object[]> TransposedConvs =>
        from d in TestDevices.AllConv from i in Enumerable.Range(0, TransposedCases.Length) select new object[] { d[0], i };

    private static float[] ToF(double[] v) => v.Select(d => (float)d).ToArray();

    [Theory]
    [MemberData(nameof(Convs))]
    public void Conv2d_backward_matches_finite_differences(string deviceId, int caseIndex)
    {
        // The loss is linear in x, w and b, so central differences are exact up to double rounding; the
        // tolerance (1e-4 abs + 1e-4 rel) covers the kernels' float32 sums of up to a few thousand terms.
        var c = ConvCases[caseIndex];
        ComputeDevice device = TestDevices.Get(deviceId);
        int oh = Conv2dArgs.ForwardOutputSize(c.H, c.K, c.S, c.P, c.D), ow = Conv2dArgs.ForwardOutputSize(c.W, c.K, c.S, c.P, c.D);
        var args = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, oh, ow, c.K, c.S, c.P, c.D, true, ConvEpilogue.None, 1);
        float[] x = TestData.Uniform(c.N * c.C * c.H * c.W, -1, 1, 1), w = TestData.Uniform(c.O * c.C * c.K * c.K, -1, 1, 2);
        float[] b = TestData.Uniform(c.O, -1, 1, 3), r = TestData.Uniform(c.N * c.O * oh * ow, -1, 1, 4);
        double Loss(float[] xx, float[] ww, float[] bb) => Conv2dReference.Forward(xx, ww, bb, null, null, args).Zip(r, (y, g) => y * g).Sum();

        using var tx = device.Upload("x", Shape.Nchw(c.N, c.C, c.H, c.W), x);
        using var tw = device.Upload("w", Shape.Nchw(c.O, c.C, c.K, c.K), w);
        using var tr = device.Upload("dy", Shape.Nchw(c.N, c.O, oh, ow), r);
        using var dx = device.Upload("dx", tx.Shape, TestData.Filled(x.Length, float.NaN));
        using var dw = device.Upload("dw", tw.Shape, TestData.Filled(w.Length, 1f));
        using var db = device.Upload("db", new Shape(c.O), TestData.Filled(c.O, 1f));
        Conv2dOps.Backward(tx, tw, tr, dx, dw, db, c.S, c.P, c.D);

        float[] gx = dx.Download(), gw = dw.Download().Select(v => v - 1f).ToArray(), gb = db.Download().Select(v => v - 1f).ToArray();
        GradCheck.Check(v => Loss(ToF(v), w, b), x, gx, GradCheck.Sample(x.Length, 40, 5), 0.25, 1e-4, 1e-4, "dx");
        GradCheck.Check(v => Loss(x, ToF(v), b), w, gw, GradCheck.Sample(w.Length, 40, 6), 0.25, 1e-4, 1e-4, "dw");
        GradCheck.Check(v => Loss(x, w, ToF(v)), b, gb, GradCheck.Sample(b.Length, 40, 7), 0.25, 1e-4, 1e-4, "db");
        Assert.DoesNotContain(gx, float.IsNaN);
    }

    [Theory]
    [MemberData(nameof(TransposedConvs))]
    public void ConvTranspose2d_backward_matches_finite_differences(string deviceId, int caseIndex)
    {
        // Linear loss again: see Conv2d_backward_matches_finite_differences for the tolerance.
        var c = TransposedCases[caseIndex];
        ComputeDevice device = TestDevices.Get(deviceId);
        int oh = Conv2dArgs.TransposedOutputSize(c.H, c.K, c.S, c.P), ow = Conv2dArgs.TransposedOutputSize(c.W, c.K, c.S, c.P);
        var args = new Conv2dArgs(c.N, c.C, c.H, c.W, c.O, oh, ow, c.K, c.S, c.P, 1, true, ConvEpilogue.None, 1);
        float[] x = TestData.Uniform(c.N * c.C * c.H * c.W, -1, 1, 11), w = TestData.Uniform(c.C * c.O * c.K * c.K, -1, 1, 12);
        float[] b = TestData.Uniform(c.O, -1, 1, 13), r = TestData.Uniform(c.N * c.O * oh * ow, -1, 1, 14);
        double Loss(float[] xx, float[] ww, float[] bb) => Conv2dReference.TransposedForward(xx, ww, bb, null, null, args).Zip(r, (y, g) => y * g).Sum();

        using var tx = device.Upload("x", Shape.Nchw(c.N, c.C, c.H, c.W), x);
        using var tw = device.Upload("w", Shape.Nchw(c.C, c.O, c.K, c.K), w);
        using var tr = device.Upload("dy", Shape.Nchw(c.N, c.O, oh, ow), r);
        using var dx = device.Upload("dx", tx.Shape, TestData.Filled(x.Length, float.NaN));
        using var dw = device.Upload("dw", tw.Shape, TestData.Filled(w.Length, 1f));
        using var db = device.Upload("db", new Shape(c.O), TestData.Filled(c.O, 1f));
        Conv2dOps.TransposedBackward(tx, tw, tr, dx, dw, db, c.S, c.P);

        float[] gx = dx.Download(), gw = dw.Download().Select(v => v - 1f).ToArray(), gb = db.Download().Select(v => v - 1f).ToArray();
        GradCheck.Check(v => Loss(ToF(v), w, b), x, gx, GradCheck.Sample(x.Length, 40, 15), 0.25, 1e-4, 1e-4, "dx");
        GradCheck.Check(v => Loss(x, ToF(v), b), w, gw, GradCheck.Sample(w.Length, 40, 16), 0.25, 1e-4, 1e-4, "dw");
        GradCheck.Check(v => Loss(x, w, ToF(v)), b, gb, GradCheck.Sample(b.Length, 40, 17), 0.25, 1e-4, 1e-4, "db");
    }
}
