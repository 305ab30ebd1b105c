using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Convolution;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Kernels;

/// <summary>
/// Backward kernels against finite differences of a double-precision forward. The scalar checked is
/// L = sum(r * forward(...)) with a random upstream gradient r, so dL/d(input) is exactly what the backward
/// kernels compute from r. Parameter gradients are checked to accumulate: they start at 1, and the kernel's
/// result minus 1 is compared. Tolerances sit with each test.
/// </summary>
public class BackwardKernelTests
{
    public static IEnumerable<object[]> Devices => TestDevices.All;

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

    private static readonly (int N, int C, int H, int W, int O, int K, int S, int P)[] TransposedCases =
    {
        (1, 1, 1, 1, 1, 4, 2, 1), (2, 3, 4, 5, 2, 4, 2, 1), (1, 2, 7, 7, 3, 3, 1, 1), (1, 2, 9, 16, 2, 4, 2, 1),
    };

    public static IEnumerable<object[]> TransposedConvs =>
        from d in TestDevices.AllConv from i in Enumerable.Range(0, TransposedCases.Length) select new object[] { d[0], i };

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

    [Theory]
    [MemberData(nameof(Devices))]
    public void BatchNorm_training_forward_and_backward_match_finite_differences(string deviceId)
    {
        // L = sum(r * BN_batch(x)) in double; h = 1e-3 central differences have O(h^2) ~ 1e-6 error here;
        // tolerance 2e-3 abs + 2e-3 rel covers the float32 statistics (sums over N*H*W = 2*7*9 values).
        ComputeDevice device = TestDevices.Get(deviceId);
        const int N = 2, C = 3, H = 7, W = 9, Plane = H * W;
        const float Eps = 1e-5f;
        float[] x = TestData.Uniform(N * C * Plane, -2, 2, 31), r = TestData.Uniform(x.Length, -1, 1, 32);
        float[] gamma = TestData.Uniform(C, 0.5f, 1.5f, 33), beta = TestData.Uniform(C, -0.5f, 0.5f, 34);

        double Loss(double[] xs, double[] g, double[] bt)
        {
            double total = 0;
            for (int c = 0; c < C; c++)
            {
                double mean = 0, variance = 0;
                for (int n = 0; n < N; n++)
                    for (int p = 0; p < Plane; p++)
                        mean += xs[(n * C + c) * Plane + p];
                mean /= N * Plane;
                for (int n = 0; n < N; n++)
                    for (int p = 0; p < Plane; p++)
                        variance += Math.Pow(xs[(n * C + c) * Plane + p] - mean, 2);
                variance /= N * Plane;
                for (int n = 0; n < N; n++)
                    for (int p = 0; p < Plane; p++)
                    {
                        int i = (n * C + c) * Plane + p;
                        total += r[i] * ((xs[i] - mean) / Math.Sqrt(variance + Eps) * g[c] + bt[c]);
                    }
            }
            return total;
        }

        using var tx = device.Upload("x", Shape.Nchw(N, C, H, W), x);
        using var tg = device.Upload("gamma", new Shape(C), gamma);
        using var tb = device.Upload("beta", new Shape(C), beta);
        using var rm = device.Upload("running_mean", new Shape(C), new float[C]);
        using var rv = device.Upload("running_var", new Shape(C), TestData.Filled(C, 1f));
        using var stats = device.Allocate<float>("stats", new Shape(2 * C));
        using var y = device.Allocate<float>("y", tx.Shape);
        using var tr = device.Upload("dy", tx.Shape, r);
        using var sums = device.Allocate<float>("sums", new Shape(2 * C));
        using var dx = device.Upload("dx", tx.Shape, TestData.Filled(x.Length, float.NaN));
        using var dg = device.Upload("dgamma", new Shape(C), TestData.Filled(C, 1f));
        using var db = device.Upload("dbeta", new Shape(C), TestData.Filled(C, 1f));

        BatchNormOps.TrainingForward(tx, tg, tb, rm, rv, stats, y, Eps, momentum: 0.1f);
        BatchNormOps.Backward(tx, tr, stats, tg, sums, dx, dg, db, Eps);

        double[] xd = x.Select(v => (double)v).ToArray(), gd = gamma.Select(v => (double)v).ToArray(), bd = beta.Select(v => (double)v).ToArray();
        GradCheck.Check(v => Loss(v, gd, bd), x, dx.Download(), GradCheck.Sample(x.Length, 40, 35), 1e-3, 2e-3, 2e-3, "dx");
        GradCheck.Check(v => Loss(xd, v, bd), gamma, dg.Download().Select(v => v - 1f).ToArray(), new[] { 0, 1, 2 }, 1e-3, 2e-3, 2e-3, "dgamma");
        GradCheck.Check(v => Loss(xd, gd, v), beta, db.Download().Select(v => v - 1f).ToArray(), new[] { 0, 1, 2 }, 1e-3, 2e-3, 2e-3, "dbeta");

        // Running statistics: (1 - m) * old + m * batch, with the unbiased batch variance.
        float[] s = stats.Download(), runningMean = rm.Download(), runningVar = rv.Download();
        for (int c = 0; c < C; c++)
        {
            Assert.Equal(0.1f * s[c], runningMean[c], 5);
            Assert.Equal(0.9f + 0.1f * s[C + c] * (N * Plane) / (N * Plane - 1f), runningVar[c], 5);
        }
    }

    private static float[] ToF(double[] v) => v.Select(d => (float)d).ToArray();
}
