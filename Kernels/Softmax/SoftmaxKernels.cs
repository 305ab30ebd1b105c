using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Softmax;

/// <summary>
/// Softmax across the channels of NCHW logits (the 313 ab bins of ECCV16), and the palette decode (annealed mean or
/// arg-max) that turns a distribution over ab colours into ab. One thread owns one pixel and walks its C channels (stride H x W apart); on a GPU
/// neighbouring threads are neighbouring pixels, so every channel read coalesces.
/// </summary>
public static class SoftmaxKernels
{
    /// <summary>
    /// SoftmaxChannelsKernel: p[n, q, y, x] = exp(z[n, q, y, x] / T - m) / sum over q' of exp(z[n, q', y, x] / T - m),
    /// m the pixel's max of z / T (keeps exp in range for any T > 0). logits, probabilities [N, C, H, W];
    /// T = Temperature. Thread: pixels.
    /// </summary>
    public static void SoftmaxChannelsKernel(ArrayView<float> logits, ArrayView<float> probabilities, SoftmaxArgs a)
    {
        int total = a.Pixels, run = a.RunLength;
        float invT = 1f / a.Temperature;
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
    /// PaletteDecodeKernel: the one decode of both methods' predictions, a distribution over a palette of ab
    /// colours (ECCV16: the 313 bin centres; SOM + MLP: the map's codewords) turned into one ab per pixel.
    /// For pixel g of Count (image n = g / Plane, p = g mod Plane): z_q = logits[(n Q + q) Plane + p] + w_q,
    /// w = classBias [Q] when it is not empty (a palette's log-weights: p'_q proportional to p_q exp(w_q), so
    /// w_q = alpha ln(h_q + eps) re-weights the model's distribution by a reference's histogram h), else 0;
    /// m = max over q of z_q (the first on ties). Temperature T > 0: the annealed mean (Zhang et al. 2016,
    /// eq. 5), ab = sum_q e_q palette[q] / sum_q e_q with e_q = exp((z_q - m) / T): T = 1 the expected
    /// colour, T -> 0 toward the mode; z - m &lt;= 0, so no exp overflows at any T. T = 0: palette[argmax].
    /// Softmax, re-weighting and expectation fused: the probabilities are never stored. logits [N, Q, Plane];
    /// palette [Q, 2] (a, b interleaved); a written at ab[AbOffset + n AbImageStride + p], b at that
    /// + AbChannelStride, so ab can be an [N, 2, H, W] tensor or the a and b planes of a Lab picture.
    /// Thread: pixels (neighbouring threads are neighbouring pixels: every logit read coalesces on a GPU;
    /// the Q weights are read by every thread alike and stay in cache).
    /// </summary>
    public static void PaletteDecodeKernel(ArrayView<float> logits, ArrayView<float> palette, ArrayView<float> classBias, ArrayView<float> ab, PaletteDecodeArgs a)
    {
        int run = a.RunLength, classes = a.Classes, plane = a.Plane;
        bool biased = classBias.Length > 0;
        for (int start = GridStride.First(run); start < a.Count; start += GridStride.Step(run))
            for (int g = start, end = Math.Min(start + run, a.Count); g < end; g++)
            {
                int n = g / plane, p = g - n * plane, baseIndex = n * classes * plane + p;
                float best = logits[baseIndex] + (biased ? classBias[0] : 0f);
                int bestQ = 0;
                for (int q = 1; q < classes; q++)
                {
                    float z = logits[baseIndex + q * plane] + (biased ? classBias[q] : 0f);
                    if (z > best)
                    {
                        best = z;
                        bestQ = q;
                    }
                }
                float outA = palette[2 * bestQ], outB = palette[2 * bestQ + 1];
                if (a.Temperature > 0f)
                {
                    float inverse = 1f / a.Temperature, sum = 0f, sumA = 0f, sumB = 0f;
                    for (int q = 0; q < classes; q++)
                    {
                        float e = MathF.Exp((logits[baseIndex + q * plane] + (biased ? classBias[q] : 0f) - best) * inverse);
                        sum += e;
                        sumA += e * palette[2 * q];
                        sumB += e * palette[2 * q + 1];
                    }
                    outA = sumA / sum;
                    outB = sumB / sum;
                }
                int at = a.AbOffset + n * a.AbImageStride + p;
                ab[at] = outA;
                ab[at + a.AbChannelStride] = outB;
            }
    }
}

/// <summary>
/// PaletteDecodeKernel's shape: Count pixels of logits [N, Classes, Plane] (N = Count / Plane), the
/// temperature (0: the arg-max), where the a and b of each pixel go, and the launcher's run length.
/// </summary>
public readonly struct PaletteDecodeArgs
{
    public PaletteDecodeArgs(int count, int classes, int plane, float temperature, int abOffset, int abImageStride, int abChannelStride, int runLength)
    {
        Count = count; Classes = classes; Plane = plane; Temperature = temperature;
        AbOffset = abOffset; AbImageStride = abImageStride; AbChannelStride = abChannelStride; RunLength = runLength;
    }

    /// <summary>Pixels to decode (all images together).</summary>
    public int Count { get; }
    /// <summary>Palette entries Q (313 ECCV16 bins, or a map's codewords).</summary>
    public int Classes { get; }
    /// <summary>Pixels per image in the logits (the stride between two classes' logits of one pixel).</summary>
    public int Plane { get; }
    /// <summary>Annealed-mean temperature; 0: each pixel's most likely palette colour.</summary>
    public float Temperature { get; }
    /// <summary>Where pixel 0's a goes in the output.</summary>
    public int AbOffset { get; }
    /// <summary>Output distance between two images' pixel 0.</summary>
    public int AbImageStride { get; }
    /// <summary>Output distance from a pixel's a to its b.</summary>
    public int AbChannelStride { get; }
    public int RunLength { get; }
}

/// <summary>A softmax across the channels of NCHW logits [N, C, H, W] (<see cref="Plane"/> = H x W) at <see cref="Temperature"/>.</summary>
public readonly struct SoftmaxArgs
{
    public SoftmaxArgs(int n, int channels, int plane, float temperature, int runLength)
    {
        N = n;
        Channels = channels;
        Plane = plane;
        Temperature = temperature;
        RunLength = runLength;
    }

    public int N { get; }

    /// <summary>The classes the distribution is over (313 ab bins for ECCV16).</summary>
    public int Channels { get; }

    public int Plane { get; }

    /// <summary>T in exp(z / T): 1 the model's distribution, lower sharper (&gt; 0).</summary>
    public float Temperature { get; }

    public int RunLength { get; }

    /// <summary>Pixels of the batch: the kernel's index space.</summary>
    public int Pixels => N * Plane;
}
