using ColorKernels.Engine.Devices;
using ColorKernels.Engine.Models;
using ColorKernels.Engine.Ops;
using ColorKernels.Engine.Tensors;
using ColorKernels.Tests.Support;
using Xunit;

namespace ColorKernels.Tests.Ops;

/// <summary>Beyond the op table (LossCases): soft-encoding's exact ties and the grey bin, the fused cross-entropy's summed loss held tighter, and the bin histogram accumulating over launches.</summary>
public class LossTests
{
    public static IEnumerable<object[]> Devices => TestDevices.Accelerators;

    private static float[] Centres() => Eccv16Architecture.CentresPlanar();

    [Theory]
    [MemberData(nameof(Devices))]
    public void SoftEncode_takes_the_k_nearest_bins_with_gaussian_weights(string deviceId)
    {
        // Reference: sort all 313 centres by (squared distance, index) in double, weights exp(-d^2 / 2 sigma^2)
        // normalised. Tolerance 1e-5 on weights (float32 exp of values <= a few units).
        ComputeDevice device = TestDevices.Get(deviceId);
        const int N = 2, H = 5, W = 7, K = 10, Plane = H * W;
        const float Sigma = 5f;
        float[] centres = Centres();
        float[] ab = TestData.Uniform(N * 2 * Plane, -100, 100, 41);
        ab[0] = 0f;                 // exactly on the grey bin's centre
        ab[Plane] = 0f;
        ab[1] = 5f;                 // exactly between two bins: ties go to the lower index
        ab[Plane + 1] = 0f;
        float[] classWeight = TestData.Uniform(313, 0.5f, 3f, 42);
        float[] imageWeight = { 1f, 0f };

        using var tab = device.Upload("ab", Shape.Nchw(N, 2, H, W), ab);
        using var tc = device.Upload("centres", new Shape(2, 313), centres);
        using var tcw = device.Upload("class_weight", new Shape(313), classWeight);
        using var tiw = device.Upload("image_weight", new Shape(N), imageWeight);
        using var idx = device.Upload("index", Shape.Nchw(N, K, H, W), TestData.Filled(N * K * Plane, -1));
        using var tw = device.Upload("weight", Shape.Nchw(N, K, H, W), TestData.Filled(N * K * Plane, float.NaN));
        using var pw = device.Upload("pixel_weight", new Shape(N, H, W), TestData.Filled(N * Plane, float.NaN));
        LossOps.SoftEncode(tab, tc, tcw, tiw, idx, tw, pw, K, Sigma);
        int[] index = idx.Download();
        float[] weight = tw.Download(), pixel = pw.Download();

        for (int n = 0; n < N; n++)
            for (int p = 0; p < Plane; p++)
            {
                double a = ab[n * 2 * Plane + p], b = ab[(n * 2 + 1) * Plane + p];
                var order = Enumerable.Range(0, 313)
                    .Select(q => (D: Math.Pow(a - centres[q], 2) + Math.Pow(b - centres[313 + q], 2), Q: q))
                    .OrderBy(t => t.D).ThenBy(t => t.Q).Take(K).ToArray();
                double[] w = order.Select(t => Math.Exp(-t.D / (2 * Sigma * Sigma))).ToArray();
                double sum = w.Sum();
                for (int k = 0; k < K; k++)
                {
                    int i = (n * K + k) * Plane + p;
                    Assert.Equal(order[k].Q, index[i]);
                    Assert.Equal(w[k] / sum, weight[i], 1e-5);
                }
                Assert.Equal(classWeight[order[0].Q] * imageWeight[n], pixel[n * Plane + p], 1e-6);
            }
        Assert.Equal(120, index[0]);   // (0, 0) is bin 120
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void SoftmaxCrossEntropy_loss_and_gradient_match_finite_differences(string deviceId)
    {
        // L = gradScale * sum of per-pixel losses; dLogits is dL/dz. Central differences with h = 1e-3 in
        // double; tolerance 1e-5 abs + 1e-3 rel (float32 exp and 313-term sums on the device side).
        ComputeDevice device = TestDevices.Get(deviceId);
        const int N = 2, Q = 313, H = 3, W = 4, K = 5, Plane = H * W;
        const float Scale = 1f / (N * Plane);
        float[] z = TestData.Uniform(N * Q * Plane, -4, 4, 51);
        var (index, weight) = TestData.SoftTargets(N, Q, K, Plane, 52);
        float[] pixelWeight = TestData.Uniform(N * Plane, 0.2f, 3f, 53);

        double Loss(double[] logits)
        {
            double total = 0;
            for (int n = 0; n < N; n++)
                for (int p = 0; p < Plane; p++)
                {
                    double max = double.NegativeInfinity, sum = 0;
                    for (int q = 0; q < Q; q++)
                        max = Math.Max(max, logits[(n * Q + q) * Plane + p]);
                    for (int q = 0; q < Q; q++)
                        sum += Math.Exp(logits[(n * Q + q) * Plane + p] - max);
                    double lse = max + Math.Log(sum), ce = 0;
                    for (int k = 0; k < K; k++)
                        ce -= weight[(n * K + k) * Plane + p] * (logits[(n * Q + index[(n * K + k) * Plane + p]) * Plane + p] - lse);
                    total += pixelWeight[n * Plane + p] * ce;
                }
            return total;
        }

        using var tz = device.Upload("logits", Shape.Nchw(N, Q, H, W), z);
        using var ti = device.Upload("index", Shape.Nchw(N, K, H, W), index);
        using var tw = device.Upload("weight", Shape.Nchw(N, K, H, W), weight);
        using var tp = device.Upload("pixel_weight", new Shape(N, H, W), pixelWeight);
        using var loss = device.Upload("loss", new Shape(N, H, W), TestData.Filled(N * Plane, float.NaN));
        using var dz = device.Upload("dlogits", tz.Shape, TestData.Filled(z.Length, float.NaN));
        LossOps.SoftmaxCrossEntropy(tz, ti, tw, tp, loss, dz, Scale);

        Assert.Equal(Loss(z.Select(v => (double)v).ToArray()), loss.Download().Sum(v => (double)v), 1e-3);
        GradCheck.Check(v => Scale * Loss(v), z, dz.Download(), GradCheck.Sample(z.Length, 80, 54), 1e-3, 1e-5, 1e-3, "dlogits");
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void Bin_histogram_counts_every_pixel_once_at_its_nearest_bin(string deviceId)
    {
        ComputeDevice device = TestDevices.Get(deviceId);
        float[] centres = Centres();
        const int N = 3, H = 31, W = 33, Plane = H * W;
        float[] ab = TestData.Uniform(N * 2 * Plane, -60, 60, 71);
        using var tab = device.Upload("ab", Shape.Nchw(N, 2, H, W), ab);
        using var tc = device.Upload("centres", new Shape(2, 313), centres);
        using var counts = device.Upload("counts", new Shape(313), new int[313]);
        LossOps.BinHistogram(tab, tc, counts);
        LossOps.BinHistogram(tab, tc, counts);   // accumulates: every count doubles
        int[] actual = counts.Download();
        var expected = new int[313];
        for (int n = 0; n < N; n++)
            for (int p = 0; p < Plane; p++)
            {
                double a = ab[n * 2 * Plane + p], b = ab[(n * 2 + 1) * Plane + p];
                int best = Enumerable.Range(0, 313).OrderBy(q => Math.Pow(a - centres[q], 2) + Math.Pow(b - centres[313 + q], 2)).ThenBy(q => q).First();
                expected[best] += 2;
            }
        Assert.Equal(expected, actual);
        Assert.Equal(2 * N * Plane, actual.Sum());
    }

}
