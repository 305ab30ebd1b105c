namespace ColorKernels.Kernels.Metrics;

/// <summary>The evaluation's per-picture sums in double precision (the definitions MetricKernels follow).</summary>
public static class MetricReference
{
    /// <summary>
    /// [2 x ErrorBuckets]: per pixel of Lab [N, 3, H, W], the ab error d's bucket ceil(d) (above 150: the last)
    /// counts 1 in the first half and inversePrior[nearest bin of the truth] in the second.
    /// </summary>
    public static double[] AbErrorHistogram(float[] prediction, float[] truth, float[] centres, float[] inversePrior, int n, int plane)
    {
        int buckets = MetricKernels.ErrorBuckets, q = centres.Length / 2;
        var histogram = new double[2 * buckets];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
            {
                int i = b * 3 * plane + p;
                double ta = truth[i + plane], tb = truth[i + 2 * plane];
                double da = prediction[i + plane] - ta, db = prediction[i + 2 * plane] - tb;
                double d = Math.Sqrt(da * da + db * db);
                int bucket = d > 150 ? buckets - 1 : (int)Math.Ceiling(d);
                histogram[bucket] += 1;
                histogram[buckets + bucket] += inversePrior[Loss.LossReference.NearestBin(ta, tb, centres, q)];
            }
        return histogram;
    }

    /// <summary>[9]: squared error over channels, then rg, rg^2, yb, yb^2 of the prediction and of the truth (packed 8-bit [H, W, 3]).</summary>
    public static double[] RgbStats(byte[] prediction, byte[] truth)
    {
        var s = new double[9];
        for (int p = 0; p < prediction.Length / 3; p++)
        {
            double pr = prediction[3 * p], pg = prediction[3 * p + 1], pb = prediction[3 * p + 2];
            double tr = truth[3 * p], tg = truth[3 * p + 1], tb = truth[3 * p + 2];
            s[0] += (pr - tr) * (pr - tr) + (pg - tg) * (pg - tg) + (pb - tb) * (pb - tb);
            double rg = pr - pg, yb = 0.5 * (pr + pg) - pb;
            s[1] += rg; s[2] += rg * rg; s[3] += yb; s[4] += yb * yb;
            rg = tr - tg;
            yb = 0.5 * (tr + tg) - tb;
            s[5] += rg; s[6] += rg * rg; s[7] += yb; s[8] += yb * yb;
        }
        return s;
    }

    /// <summary>[2]: total chroma sqrt(a^2 + b^2) of the prediction and of the truth (Lab [N, 3, H, W]).</summary>
    public static double[] ChromaSums(float[] prediction, float[] truth, int n, int plane)
    {
        double Chroma(float[] lab) => Enumerable.Range(0, n * plane).Sum(p =>
        {
            int i = p / plane * 3 * plane + p % plane;
            return Math.Sqrt((double)lab[i + plane] * lab[i + plane] + (double)lab[i + 2 * plane] * lab[i + 2 * plane]);
        });
        return new[] { Chroma(prediction), Chroma(truth) };
    }
}
