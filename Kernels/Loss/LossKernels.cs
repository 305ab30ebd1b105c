using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Loss;

/// <summary>
/// The ab-bin side of ECCV16 training (Zhang et al. 2016, section 2.1-2.2): soft-encoding of ground-truth
/// ab onto the 313 bins, the per-pixel class-rebalancing weight, the fused softmax cross-entropy with its
/// logits gradient, the L2 regression baseline, and the bin histogram behind the empirical prior.
/// Bin centres are [2, Q] (a row, then b row). One thread owns one pixel.
/// </summary>
public static class LossKernels
{
    /// <summary>
    /// SoftEncodeKernel: for each pixel's ab (ab [N, 2, H, W]) the K nearest bin centres, nearest first (ties
    /// to the lower bin index), with weights exp(-d^2 / 2 sigma^2) normalised to sum 1: index [N, K, H, W]
    /// (int), weight [N, K, H, W]. Also the pixel's rebalancing weight: classWeight[nearest bin] x
    /// imageWeight[n] (0 for images without colour), pixelWeight [N, H, W]. K passes over the Q centres,
    /// each taking the nearest centre after the previous one in (distance, index) order: no local arrays.
    /// Thread: pixels.
    /// </summary>
    public static void SoftEncodeKernel(ArrayView<float> ab, ArrayView<float> centres, ArrayView<float> classWeight,
        ArrayView<float> imageWeight, ArrayView<int> index, ArrayView<float> weight, ArrayView<float> pixelWeight, BinArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        float inv2s2 = 1f / (2f * a.Sigma * a.Sigma);
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, within = p - n * a.Plane;
                float va = ab[n * 2 * a.Plane + within], vb = ab[(n * 2 + 1) * a.Plane + within];
                float lastD = -1f, sum = 0f, nearestD = 0f;
                int lastQ = -1;
                int outBase = n * a.K * a.Plane + within;
                for (int k = 0; k < a.K; k++)
                {
                    float bestD = float.PositiveInfinity;
                    int bestQ = -1;
                    for (int q = 0; q < a.Q; q++)
                    {
                        float da = va - centres[q], db = vb - centres[a.Q + q];
                        float d = da * da + db * db;
                        bool after = d > lastD || (d == lastD && q > lastQ);
                        if (after && (d < bestD || (d == bestD && q < bestQ)))
                        {
                            bestD = d;
                            bestQ = q;
                        }
                    }
                    if (k == 0)
                        nearestD = bestD;
                    // Weights relative to the nearest bin: exp(-(d - d0) / 2s^2) keeps far pixels from underflowing to 0/0.
                    float w = MathF.Exp(-(bestD - nearestD) * inv2s2);
                    index[outBase + k * a.Plane] = bestQ;
                    weight[outBase + k * a.Plane] = w;
                    sum += w;
                    lastD = bestD;
                    lastQ = bestQ;
                }
                float inv = 1f / sum;
                for (int k = 0; k < a.K; k++)
                    weight[outBase + k * a.Plane] *= inv;
                pixelWeight[p] = classWeight[index[outBase]] * imageWeight[n];
            }
    }

    /// <summary>
    /// SoftmaxCrossEntropyKernel: per pixel, loss = -w_pixel sum_k t_k log softmax(z)_{q_k} (assigned to
    /// loss [N, H, W]) and dz_q = GradScale w_pixel (softmax(z)_q - t_q) (assigned to dLogits [N, Q, H, W]),
    /// with the sparse soft target (index, weight [N, K, H, W]) from SoftEncodeKernel. Softmax, loss and
    /// gradient fused: the probabilities are never stored. Thread: pixels.
    /// </summary>
    public static void SoftmaxCrossEntropyKernel(ArrayView<float> logits, ArrayView<int> index, ArrayView<float> weight,
        ArrayView<float> pixelWeight, ArrayView<float> loss, ArrayView<float> dLogits, BinArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, within = p - n * a.Plane;
                int zBase = n * a.Q * a.Plane + within, tBase = n * a.K * a.Plane + within;
                float max = float.NegativeInfinity;
                for (int q = 0; q < a.Q; q++)
                    max = MathF.Max(max, logits[zBase + q * a.Plane]);
                float sum = 0f;
                for (int q = 0; q < a.Q; q++)
                    sum += MathF.Exp(logits[zBase + q * a.Plane] - max);
                float logSum = max + MathF.Log(sum);
                float wp = pixelWeight[p], g = a.GradScale * wp, inv = 1f / sum;
                for (int q = 0; q < a.Q; q++)
                    dLogits[zBase + q * a.Plane] = g * MathF.Exp(logits[zBase + q * a.Plane] - max) * inv;
                float l = 0f;
                for (int k = 0; k < a.K; k++)
                {
                    int q = index[tBase + k * a.Plane];
                    float t = weight[tBase + k * a.Plane];
                    l -= t * (logits[zBase + q * a.Plane] - logSum);
                    dLogits[zBase + q * a.Plane] -= g * t;
                }
                loss[p] = wp * l;
            }
    }

    /// <summary>
    /// L2RegressionKernel (the paper's regression baseline): loss = w_pixel / 2 ||pred - target||^2 (assigned
    /// to loss [N, H, W]) and dPred = GradScale w_pixel (pred - target) (assigned), pred and target [N, 2, H, W]
    /// in the same units. Thread: pixels.
    /// </summary>
    public static void L2RegressionKernel(ArrayView<float> prediction, ArrayView<float> target, ArrayView<float> pixelWeight,
        ArrayView<float> loss, ArrayView<float> dPrediction, BinArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, i0 = n * 2 * a.Plane + (p - n * a.Plane), i1 = i0 + a.Plane;
                float da = prediction[i0] - target[i0], db = prediction[i1] - target[i1], w = pixelWeight[p];
                loss[p] = 0.5f * w * (da * da + db * db);
                dPrediction[i0] = a.GradScale * w * da;
                dPrediction[i1] = a.GradScale * w * db;
            }
    }

    /// <summary>
    /// SmoothL1Kernel (the hint network's ab loss, Zhang, Zhu et al. 2017; Girshick's smooth L1 with a
    /// threshold): per component d = pred - target, l(d) = d^2 / (2 delta) where |d| &lt; delta, else |d| -
    /// delta / 2 (delta = Sigma): quadratic near the target, so small errors are not pushed as hard as large
    /// ones, and linear beyond it, so the average of several plausible colours is not the answer it is for
    /// L2. loss = w_pixel (l(da) + l(db)) (assigned to loss [N, H, W]); dPred = GradScale w_pixel l'(d)
    /// (assigned), l'(d) = d / delta inside, sign(d) outside. pred and target [N, 2, H, W]. Thread: pixels.
    /// </summary>
    public static void SmoothL1Kernel(ArrayView<float> prediction, ArrayView<float> target, ArrayView<float> pixelWeight,
        ArrayView<float> loss, ArrayView<float> dPrediction, BinArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        float delta = a.Sigma;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, i0 = n * 2 * a.Plane + (p - n * a.Plane), i1 = i0 + a.Plane;
                float da = prediction[i0] - target[i0], db = prediction[i1] - target[i1], w = pixelWeight[p];
                loss[p] = w * (SmoothL1(da, delta) + SmoothL1(db, delta));
                dPrediction[i0] = a.GradScale * w * SmoothL1Slope(da, delta);
                dPrediction[i1] = a.GradScale * w * SmoothL1Slope(db, delta);
            }
    }

    private static float SmoothL1(float d, float delta)
    {
        float m = MathF.Abs(d);
        return m < delta ? 0.5f * d * d / delta : m - 0.5f * delta;
    }

    private static float SmoothL1Slope(float d, float delta) => MathF.Abs(d) < delta ? d / delta : d > 0f ? 1f : -1f;

    /// <summary>
    /// BinHistogramKernel: counts[q] += number of pixels whose nearest bin centre is q (ties to the lower
    /// index), ab [N, 2, H, W]; atomics, so any number of threads may add to one bin. Thread: pixels.
    /// </summary>
    public static void BinHistogramKernel(ArrayView<float> ab, ArrayView<float> centres, ArrayView<int> counts, BinArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, within = p - n * a.Plane;
                Atomic.Add(ref counts[NearestBin(ab[n * 2 * a.Plane + within], ab[(n * 2 + 1) * a.Plane + within], centres, a.Q)], 1);
            }
    }

    /// <summary>The bin whose centre ([2, Q] centres) is nearest to (a, b); ties to the lower index.</summary>
    public static int NearestBin(float a, float b, ArrayView<float> centres, int q)
    {
        float bestD = float.PositiveInfinity;
        int best = 0;
        for (int c = 0; c < q; c++)
        {
            float da = a - centres[c], db = b - centres[q + c];
            float d = da * da + db * db;
            if (d < bestD)
            {
                bestD = d;
                best = c;
            }
        }
        return best;
    }

    /// <summary>
    /// ColourfulImageKernel: imageWeight[n] = 1 if any pixel of image n has |a| or |b| above Sigma (5 in the
    /// paper's code), else 0: greyscale photos get no loss. ab [N, 2, H, W]. Thread: images.
    /// </summary>
    public static void ColourfulImageKernel(ArrayView<float> ab, ArrayView<float> imageWeight, BinArgs a)
    {
        int run = a.RunLength;
        for (int start = GridStride.First(run); start < a.N; start += GridStride.Step(run))
            for (int n = start, end = Math.Min(start + run, a.N); n < end; n++)
            {
                float colourful = 0f;
                for (int i = 0; i < 2 * a.Plane; i++)
                    if (MathF.Abs(ab[n * 2 * a.Plane + i]) > a.Sigma)
                        colourful = 1f;
                imageWeight[n] = colourful;
            }
    }
}
