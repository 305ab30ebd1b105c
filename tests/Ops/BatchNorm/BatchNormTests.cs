using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Kernels.BatchNorm;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>Batch norm beyond the op table (BatchNormCases: inference with and without affine, training forward, backward): a training step chained through the device's own statistics, against finite differences (dbeta too), with its running statistics.</summary>
public class BatchNormTests
{
    public static IEnumerable<object[]> Devices => TestDevices.Accelerators;

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
}
