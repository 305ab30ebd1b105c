using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Loss;
using ILGPU;

namespace ColorKernels.Kernels.Metrics;

/// <summary>
/// Evaluation statistics of a colourized picture against its original, accumulated over all pixels. Each
/// thread sums its own pixels and adds its partial sums with one atomic per quantity, so the number of
/// atomics is the number of threads, not of pixels.
/// </summary>
public static class MetricKernels
{
    /// <summary>Buckets of the ab-error histogram: bucket b counts errors in (b - 1, b] (bucket 0: exactly 0), 151 = above 150.</summary>
    public const int ErrorBuckets = 152;

    /// <summary>
    /// AbErrorHistogramKernel: per pixel, the Euclidean ab error d between prediction and truth (both Lab
    /// [N, 3, H, W]); hist[ceil(d)] += 1 (d &gt; 150: bucket 151) and hist[152 + ceil(d)] += inversePrior[q],
    /// q the truth's nearest bin (the rebalanced AuC of Zhang et al.). centres [2, Q]. Thread: pixels.
    /// </summary>
    public static void AbErrorHistogramKernel(ArrayView<float> prediction, ArrayView<float> truth, ArrayView<float> centres,
        ArrayView<float> inversePrior, ArrayView<float> histogram, BinArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, i = n * 3 * a.Plane + (p - n * a.Plane);
                float ta = truth[i + a.Plane], tb = truth[i + 2 * a.Plane];
                float da = prediction[i + a.Plane] - ta, db = prediction[i + 2 * a.Plane] - tb;
                float d = MathF.Sqrt(da * da + db * db);
                int bucket = d > 150f ? ErrorBuckets - 1 : (int)MathF.Ceiling(d);
                int q = LossKernels.NearestBin(ta, tb, centres, a.Q);
                Atomic.Add(ref histogram[bucket], 1f);
                Atomic.Add(ref histogram[ErrorBuckets + bucket], inversePrior[q]);
            }
    }

    /// <summary>
    /// RgbStatsKernel, over the pixels of one picture pair, packed 8-bit sRGB [H, W, 3] each (values 0..255):
    /// stats[0] += squared error summed over channels; for the prediction stats[1..4] += rg, rg^2, yb, yb^2
    /// and for the truth stats[5..8] the same, with rg = R - G and yb = (R + G) / 2 - B (Hasler and
    /// Suesstrunk 2003). Thread: pixels; one atomic per quantity per thread.
    /// </summary>
    public static void RgbStatsKernel(ArrayView<byte> prediction, ArrayView<byte> truth, ArrayView<float> stats, ChannelArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        float se = 0, prg = 0, prg2 = 0, pyb = 0, pyb2 = 0, trg = 0, trg2 = 0, tyb = 0, tyb2 = 0;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                float pr = prediction[p * 3], pg = prediction[p * 3 + 1], pb = prediction[p * 3 + 2];
                float tr = truth[p * 3], tg = truth[p * 3 + 1], tb = truth[p * 3 + 2];
                se += (pr - tr) * (pr - tr) + (pg - tg) * (pg - tg) + (pb - tb) * (pb - tb);
                float rg = pr - pg, yb = 0.5f * (pr + pg) - pb;
                prg += rg; prg2 += rg * rg; pyb += yb; pyb2 += yb * yb;
                rg = tr - tg;
                yb = 0.5f * (tr + tg) - tb;
                trg += rg; trg2 += rg * rg; tyb += yb; tyb2 += yb * yb;
            }
        Atomic.Add(ref stats[0], se);
        Atomic.Add(ref stats[1], prg); Atomic.Add(ref stats[2], prg2); Atomic.Add(ref stats[3], pyb); Atomic.Add(ref stats[4], pyb2);
        Atomic.Add(ref stats[5], trg); Atomic.Add(ref stats[6], trg2); Atomic.Add(ref stats[7], tyb); Atomic.Add(ref stats[8], tyb2);
    }

    /// <summary>
    /// ChromaSumKernel: sums[0] += sqrt(a^2 + b^2) over the prediction's pixels and sums[1] over the truth's,
    /// Lab [N, 3, H, W] each. Thread: pixels; one atomic per quantity per thread.
    /// </summary>
    public static void ChromaSumKernel(ArrayView<float> prediction, ArrayView<float> truth, ArrayView<float> sums, ChannelArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        float sp = 0, st = 0;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, i = n * 3 * a.Plane + (p - n * a.Plane);
                sp += MathF.Sqrt(prediction[i + a.Plane] * prediction[i + a.Plane] + prediction[i + 2 * a.Plane] * prediction[i + 2 * a.Plane]);
                st += MathF.Sqrt(truth[i + a.Plane] * truth[i + a.Plane] + truth[i + 2 * a.Plane] * truth[i + 2 * a.Plane]);
            }
        Atomic.Add(ref sums[0], sp);
        Atomic.Add(ref sums[1], st);
    }
}
