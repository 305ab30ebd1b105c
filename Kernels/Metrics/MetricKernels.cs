using ColorKernels.Kernels.Common;
using ColorKernels.Kernels.Loss;
using ILGPU;

namespace ColorKernels.Kernels.Metrics;

/// <summary>
/// Evaluation statistics of a colourized picture against its original, accumulated over all pixels. No
/// atomics: float additions in whatever order threads finish would make the same evaluation give other digits
/// on every run. Each thread sums its own pixels (a fixed run) into a slot of its own, and the partials are
/// added in index order by one thread (BufferKernels.SumPartialsKernel); the histogram sorts pixels into
/// buckets first and then sums each bucket's pixels in pixel order.
/// </summary>
public static class MetricKernels
{
    /// <summary>Buckets of the ab-error histogram: bucket b counts errors in (b - 1, b] (bucket 0: exactly 0), 151 = above 150.</summary>
    public const int ErrorBuckets = 152;

    /// <summary>
    /// AbErrorBucketKernel: per pixel p, the Euclidean ab error d between prediction and truth (both Lab
    /// [N, 3, H, W]): bucket[p] = ceil(d) (d &gt; 150: bucket 151), and weight[p] = inversePrior[q], q the truth's
    /// nearest bin (the rebalanced AuC of Zhang et al.). centres [2, Q]; bucket and weight [N x H x W].
    /// Thread: pixels.
    /// </summary>
    public static void AbErrorBucketKernel(ArrayView<float> prediction, ArrayView<float> truth, ArrayView<float> centres,
        ArrayView<float> inversePrior, ArrayView<int> bucket, ArrayView<float> weight, BinArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, i = n * 3 * a.Plane + (p - n * a.Plane);
                float ta = truth[i + a.Plane], tb = truth[i + 2 * a.Plane];
                float da = prediction[i + a.Plane] - ta, db = prediction[i + 2 * a.Plane] - tb;
                float d = MathF.Sqrt(da * da + db * db);
                bucket[p] = d > 150f ? ErrorBuckets - 1 : (int)MathF.Ceiling(d);
                weight[p] = inversePrior[LossKernels.NearestBin(ta, tb, centres, a.Q)];
            }
    }

    /// <summary>
    /// AbErrorHistogramKernel: for each bucket b, histogram[b] += the pixels in it and histogram[152 + b] += their
    /// weights, summed in pixel order (bucket, weight [Pixels] from <see cref="AbErrorBucketKernel"/>). Thread:
    /// buckets, each reading every pixel (152 buckets; the per-pixel work, the nearest bin, is done once before).
    /// </summary>
    public static void AbErrorHistogramKernel(ArrayView<int> bucket, ArrayView<float> weight, ArrayView<float> histogram, BinArgs a)
    {
        int run = a.RunLength;
        for (int start = GridStride.First(run); start < ErrorBuckets; start += GridStride.Step(run))
            for (int b = start, end = Math.Min(start + run, ErrorBuckets); b < end; b++)
            {
                float count = 0, weighted = 0;
                for (int p = 0; p < a.Pixels; p++)
                    if (bucket[p] == b)
                    {
                        count += 1f;
                        weighted += weight[p];
                    }
                histogram[b] += count;
                histogram[ErrorBuckets + b] += weighted;
            }
    }

    /// <summary>
    /// RgbStatsKernel, over the pixels of one picture pair, packed 8-bit sRGB [H, W, 3] each (values 0..255):
    /// quantity 0 the squared error summed over channels; for the prediction 1..4 rg, rg^2, yb, yb^2
    /// and for the truth 5..8 the same, with rg = R - G and yb = (R + G) / 2 - B (Hasler and
    /// Suesstrunk 2003). Thread: pixels; thread t writes its sums to partials[k x threads + t], k the quantity
    /// (threads = the launch's grid x group), for SumPartialsKernel to add in order.
    /// </summary>
    public static void RgbStatsKernel(ArrayView<byte> prediction, ArrayView<byte> truth, ArrayView<float> partials, ChannelArgs a)
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
        int t = Grid.GlobalIndex.X, threads = Grid.DimX * Group.DimX;
        partials[t] = se;
        partials[threads + t] = prg; partials[2 * threads + t] = prg2; partials[3 * threads + t] = pyb; partials[4 * threads + t] = pyb2;
        partials[5 * threads + t] = trg; partials[6 * threads + t] = trg2; partials[7 * threads + t] = tyb; partials[8 * threads + t] = tyb2;
    }

    /// <summary>
    /// ChromaSumKernel: sqrt(a^2 + b^2) summed over the prediction's pixels and over the truth's,
    /// Lab [N, 3, H, W] each. Thread: pixels; thread t writes its two sums to partials[t] and
    /// partials[threads + t], for SumPartialsKernel to add in order.
    /// </summary>
    public static void ChromaSumKernel(ArrayView<float> prediction, ArrayView<float> truth, ArrayView<float> partials, ChannelArgs a)
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
        int t = Grid.GlobalIndex.X, threads = Grid.DimX * Group.DimX;
        partials[t] = sp;
        partials[threads + t] = st;
    }
}
