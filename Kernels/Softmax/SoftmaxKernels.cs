using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Softmax;

/// <summary>
/// Softmax across the channels of NCHW logits (the 313 ab bins of ECCV16), and the annealed mean that
/// decodes it to ab. One thread owns one pixel and walks its C channels (stride H x W apart); on a GPU
/// neighbouring threads are neighbouring pixels, so every channel read coalesces.
/// </summary>
public static class SoftmaxKernels
{
    /// <summary>
    /// SoftmaxChannelsKernel: p[n, q, y, x] = exp(z[n, q, y, x] / T - m) / sum over q' of exp(z[n, q', y, x] / T - m),
    /// m the pixel's max of z / T (keeps exp in range for any T > 0). logits, probabilities [N, C, H, W];
    /// Parameter = T. Thread: pixels.
    /// </summary>
    public static void SoftmaxChannelsKernel(ArrayView<float> logits, ArrayView<float> probabilities, ChannelArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        float invT = 1f / a.Parameter;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, baseIndex = n * a.Channels * a.Plane + (p - n * a.Plane);
                float max = float.NegativeInfinity;
                for (int q = 0; q < a.Channels; q++)
                    max = MathF.Max(max, logits[baseIndex + q * a.Plane] * invT);
                float sum = 0f;
                for (int q = 0; q < a.Channels; q++)
                    sum += MathF.Exp(logits[baseIndex + q * a.Plane] * invT - max);
                float inv = 1f / sum;
                for (int q = 0; q < a.Channels; q++)
                    probabilities[baseIndex + q * a.Plane] = MathF.Exp(logits[baseIndex + q * a.Plane] * invT - max) * inv;
            }
    }

    /// <summary>
    /// AnnealedMeanKernel: ab[n, c, y, x] = sum over q of softmax(z / T)_q * decode[c, q], c in {a, b}: the
    /// expected ab under the temperature-sharpened distribution (Zhang et al. 2016, eq. 5). T = 1 gives
    /// the mean, T -> 0 the mode. logits [N, Q, H, W], decode [2, Q] (bin centres in ab units),
    /// ab [N, 2, H, W]; Parameter = T. Softmax and decode fused: the probabilities are never stored.
    /// Thread: pixels.
    /// </summary>
    public static void AnnealedMeanKernel(ArrayView<float> logits, ArrayView<float> decode, ArrayView<float> ab, ChannelArgs a)
    {
        int total = a.Pixels, run = a.RunLength, q2 = a.Channels;
        float invT = 1f / a.Parameter;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, within = p - n * a.Plane, baseIndex = n * a.Channels * a.Plane + within;
                float max = float.NegativeInfinity;
                for (int q = 0; q < a.Channels; q++)
                    max = MathF.Max(max, logits[baseIndex + q * a.Plane] * invT);
                float sum = 0f, sa = 0f, sb = 0f;
                for (int q = 0; q < a.Channels; q++)
                {
                    float e = MathF.Exp(logits[baseIndex + q * a.Plane] * invT - max);
                    sum += e;
                    sa += e * decode[q];
                    sb += e * decode[q2 + q];
                }
                int outBase = n * 2 * a.Plane + within;
                ab[outBase] = sa / sum;
                ab[outBase + a.Plane] = sb / sum;
            }
    }
}
