namespace ColorKernels.Kernels.Loss;

/// <summary>
/// Soft-encoding, the losses and the bin statistics in double precision: the definitions LossKernels are
/// tested against. ab and logits are NCHW; centres [2, Q] (an a row, then a b row).
/// </summary>
public static class LossReference
{
    /// <summary>The nearest centre to (a, b): squared distance in double, ties to the lower index.</summary>
    public static int NearestBin(double a, double b, IReadOnlyList<float> centres, int q)
    {
        int best = 0;
        double bestD = double.PositiveInfinity;
        for (int i = 0; i < q; i++)
        {
            double d = (a - centres[i]) * (a - centres[i]) + (b - centres[q + i]) * (b - centres[q + i]);
            if (d < bestD)
            {
                bestD = d;
                best = i;
            }
        }
        return best;
    }

    /// <summary>
    /// Each pixel's K nearest bins (by distance, then index), weights exp(-d^2 / 2 sigma^2) normalised, and
    /// its pixel weight classWeight[nearest] x imageWeight[n]. index and weight [N, K, H, W]; pixelWeight [N, H, W].
    /// </summary>
    public static (int[] Index, double[] Weight, double[] PixelWeight) SoftEncode(float[] ab, float[] centres, float[] classWeight,
        float[] imageWeight, int n, int plane, int k, double sigma)
    {
        int q = centres.Length / 2;
        var index = new int[n * k * plane];
        var weight = new double[index.Length];
        var pixelWeight = new double[n * plane];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
            {
                double a = ab[b * 2 * plane + p], bb = ab[(b * 2 + 1) * plane + p];
                var order = Enumerable.Range(0, q)
                    .Select(i => (D: (a - centres[i]) * (a - centres[i]) + (bb - centres[q + i]) * (bb - centres[q + i]), Q: i))
                    .OrderBy(t => t.D).ThenBy(t => t.Q).Take(k).ToArray();
                double[] w = order.Select(t => Math.Exp(-t.D / (2 * sigma * sigma))).ToArray();
                double sum = w.Sum();
                for (int j = 0; j < k; j++)
                {
                    index[(b * k + j) * plane + p] = order[j].Q;
                    weight[(b * k + j) * plane + p] = w[j] / sum;
                }
                pixelWeight[b * plane + p] = (double)classWeight[order[0].Q] * imageWeight[b];
            }
        return (index, weight, pixelWeight);
    }

    /// <summary>
    /// Per-pixel rebalanced cross-entropy -w_pixel sum_k t_k log softmax(z)_{q_k} [N, H, W] and its gradient
    /// gradScale w_pixel (softmax(z) - t) [N, Q, H, W], from logits in double.
    /// </summary>
    public static (double[] Loss, double[] DLogits) SoftmaxCrossEntropy(IReadOnlyList<double> logits, int[] index, float[] weight,
        float[] pixelWeight, int n, int q, int k, int plane, double gradScale)
    {
        var loss = new double[n * plane];
        var dz = new double[n * q * plane];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
            {
                int zBase = b * q * plane + p, tBase = b * k * plane + p;
                double max = double.NegativeInfinity, sum = 0;
                for (int i = 0; i < q; i++)
                    max = Math.Max(max, logits[zBase + i * plane]);
                for (int i = 0; i < q; i++)
                    sum += Math.Exp(logits[zBase + i * plane] - max);
                double lse = max + Math.Log(sum), g = gradScale * pixelWeight[b * plane + p], ce = 0;
                for (int i = 0; i < q; i++)
                    dz[zBase + i * plane] = g * Math.Exp(logits[zBase + i * plane] - lse);
                for (int j = 0; j < k; j++)
                {
                    int bin = index[tBase + j * plane];
                    double t = weight[tBase + j * plane];
                    ce -= t * (logits[zBase + bin * plane] - lse);
                    dz[zBase + bin * plane] -= g * t;
                }
                loss[b * plane + p] = pixelWeight[b * plane + p] * ce;
            }
        return (loss, dz);
    }

    /// <summary>Per-pixel w_pixel / 2 ||pred - target||^2 [N, H, W] and the gradient gradScale w_pixel (pred - target) [N, 2, H, W].</summary>
    public static (double[] Loss, double[] DPrediction) L2Regression(IReadOnlyList<double> prediction, float[] target, float[] pixelWeight,
        int n, int plane, double gradScale)
    {
        var loss = new double[n * plane];
        var dp = new double[n * 2 * plane];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
            {
                int i0 = b * 2 * plane + p, i1 = i0 + plane;
                double da = prediction[i0] - target[i0], db = prediction[i1] - target[i1], w = pixelWeight[b * plane + p];
                loss[b * plane + p] = 0.5 * w * (da * da + db * db);
                dp[i0] = gradScale * w * da;
                dp[i1] = gradScale * w * db;
            }
        return (loss, dp);
    }

    /// <summary>Per-pixel w_pixel (l(da) + l(db)) [N, H, W], l the smooth L1 of threshold delta, and its gradient x gradScale [N, 2, H, W].</summary>
    public static (double[] Loss, double[] DPrediction) SmoothL1(IReadOnlyList<double> prediction, float[] target, float[] pixelWeight,
        int n, int plane, double delta, double gradScale)
    {
        var loss = new double[n * plane];
        var dp = new double[n * 2 * plane];
        double L(double d) => Math.Abs(d) < delta ? 0.5 * d * d / delta : Math.Abs(d) - 0.5 * delta;
        double Slope(double d) => Math.Abs(d) < delta ? d / delta : Math.Sign(d);
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
            {
                int i0 = b * 2 * plane + p, i1 = i0 + plane;
                double da = prediction[i0] - target[i0], db = prediction[i1] - target[i1], w = pixelWeight[b * plane + p];
                loss[b * plane + p] = w * (L(da) + L(db));
                dp[i0] = gradScale * w * Slope(da);
                dp[i1] = gradScale * w * Slope(db);
            }
        return (loss, dp);
    }

    /// <summary>counts[q] = pixels of ab [N, 2, H, W] whose nearest centre is q.</summary>
    public static int[] BinHistogram(float[] ab, float[] centres, int n, int plane)
    {
        int q = centres.Length / 2;
        var counts = new int[q];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
                counts[NearestBin(ab[b * 2 * plane + p], ab[(b * 2 + 1) * plane + p], centres, q)]++;
        return counts;
    }

    /// <summary>1 for each image of ab [N, 2, H, W] with some |a| or |b| above the threshold, else 0.</summary>
    public static double[] ColourfulImages(float[] ab, int n, int plane, double threshold) =>
        Enumerable.Range(0, n).Select(b => ab.Skip(b * 2 * plane).Take(2 * plane).Any(v => Math.Abs(v) > threshold) ? 1.0 : 0.0).ToArray();
}
