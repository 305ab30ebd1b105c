using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Som;

/// <summary>
/// A self-organising map over ab colours (Richart, Visca, Baliosian 2017): <see cref="Neurons"/> = GridW x
/// GridH codewords [Neurons, 2] (a, b per row) on a rectangular grid; <see cref="Samples"/> ab samples
/// [2, Samples] (a row, then b row). <see cref="Sigma"/>: the Gaussian neighbourhood radius in grid units;
/// <see cref="Rate"/>: how far a batch update moves each codeword towards its neighbourhood mean (1: all the way).
/// </summary>
public readonly struct SomArgs
{
    public SomArgs(int samples, int gridW, int gridH, float sigma, float rate, int runLength)
    {
        Samples = samples; GridW = gridW; GridH = gridH; Sigma = sigma; Rate = rate; RunLength = runLength;
    }

    public int Samples { get; }
    public int GridW { get; }
    public int GridH { get; }
    public float Sigma { get; }
    public float Rate { get; }
    public int RunLength { get; }
    public int Neurons => GridW * GridH;
}

/// <summary>SOM kernels: best-matching units, the batch update, and quantising pictures to their codewords.</summary>
public static class SomKernels
{
    /// <summary>
    /// BmuKernel: for each sample, the nearest codeword (squared Euclidean distance, ties to the lowest index),
    /// the second nearest (for the topographic error; -1 with one neuron), and the squared distance to the
    /// nearest. samples [2, S], codebook [N, 2], bmu and second [S] (int), distance [S]. Thread: samples.
    /// </summary>
    public static void BmuKernel(ArrayView<float> samples, ArrayView<float> codebook, ArrayView<int> bmu, ArrayView<int> second,
        ArrayView<float> distance, SomArgs a)
    {
        int total = a.Samples, run = a.RunLength, neurons = a.Neurons;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int s = start, end = Math.Min(start + run, total); s < end; s++)
            {
                float x = samples[s], y = samples[total + s];
                float best = float.PositiveInfinity, next = float.PositiveInfinity;
                int bestJ = 0, nextJ = -1;
                for (int j = 0; j < neurons; j++)
                {
                    float da = x - codebook[2 * j], db = y - codebook[2 * j + 1];
                    float d = da * da + db * db;
                    if (d < best)
                    {
                        next = best;
                        nextJ = j == 0 ? -1 : bestJ;
                        best = d;
                        bestJ = j;
                    }
                    else if (d < next)
                    {
                        next = d;
                        nextJ = j;
                    }
                }
                bmu[s] = bestJ;
                second[s] = nextJ;
                distance[s] = best;
            }
    }

    /// <summary>
    /// SomBatchUpdateKernel (batch SOM): codeword j moves towards sum_s h(bmu_s, j) x_s / sum_s h(bmu_s, j), h the
    /// Gaussian exp(-|grid(bmu_s) - grid(j)|^2 / 2 sigma^2), by Rate; a neuron no sample reaches stays.
    /// samples [2, S], bmu [S], codebook [N, 2] (read and written per neuron). Thread: neurons.
    /// </summary>
    public static void SomBatchUpdateKernel(ArrayView<float> samples, ArrayView<int> bmu, ArrayView<float> codebook, SomArgs a)
    {
        int total = a.Neurons, run = a.RunLength;
        float inv2s2 = 1f / (2f * a.Sigma * a.Sigma);
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int j = start, end = Math.Min(start + run, total); j < end; j++)
            {
                int jx = j % a.GridW, jy = j / a.GridW;
                float sumA = 0f, sumB = 0f, weight = 0f;
                for (int s = 0; s < a.Samples; s++)
                {
                    int b = bmu[s], dx = b % a.GridW - jx, dy = b / a.GridW - jy;
                    float h = MathF.Exp(-(dx * dx + dy * dy) * inv2s2);
                    sumA += h * samples[s];
                    sumB += h * samples[a.Samples + s];
                    weight += h;
                }
                if (weight > 0f)
                {
                    codebook[2 * j] += a.Rate * (sumA / weight - codebook[2 * j]);
                    codebook[2 * j + 1] += a.Rate * (sumB / weight - codebook[2 * j + 1]);
                }
            }
    }

    /// <summary>
    /// SomOnlineKernel (online, sequential Kohonen): for each sample in order, its BMU, then every codeword
    /// moves by Rate h(bmu, j) (x - w_j). Inherently sequential, so one thread does it all; launch it with a
    /// single thread. samples [2, S], codebook [N, 2]. Thread: one.
    /// </summary>
    public static void SomOnlineKernel(ArrayView<float> samples, ArrayView<float> codebook, SomArgs a)
    {
        if (Grid.GlobalIndex.X != 0)
            return;
        int neurons = a.Neurons;
        float inv2s2 = 1f / (2f * a.Sigma * a.Sigma);
        for (int s = 0; s < a.Samples; s++)
        {
            float x = samples[s], y = samples[a.Samples + s];
            int bestJ = Nearest(codebook, neurons, x, y);
            int bx = bestJ % a.GridW, by = bestJ / a.GridW;
            for (int j = 0; j < neurons; j++)
            {
                int dx = j % a.GridW - bx, dy = j / a.GridW - by;
                float h = a.Rate * MathF.Exp(-(dx * dx + dy * dy) * inv2s2);
                codebook[2 * j] += h * (x - codebook[2 * j]);
                codebook[2 * j + 1] += h * (y - codebook[2 * j + 1]);
            }
        }
    }

    /// <summary>
    /// SomQuantizeKernel: replaces each pixel's a and b by its nearest codeword's (ties to the lowest index),
    /// keeping L. lab [N, 3, H, W] in place; codebook [N, 2]; Samples = pixels per image x images,
    /// GridW x GridH the map. Thread: pixels.
    /// </summary>
    public static void SomQuantizeKernel(ArrayView<float> lab, ArrayView<float> codebook, ImageBatchArgs image, SomArgs a)
    {
        int total = image.TotalPixels, run = image.RunLength, plane = image.PixelsPerImage, neurons = a.Neurons;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int i = image.PlanarIndex(p, 3);
                float x = lab[i + plane], y = lab[i + 2 * plane];
                int bestJ = Nearest(codebook, neurons, x, y);
                lab[i + plane] = codebook[2 * bestJ];
                lab[i + 2 * plane] = codebook[2 * bestJ + 1];
            }
    }

    /// <summary>The codeword [neurons, 2] nearest (a, b) = (<paramref name="x"/>, <paramref name="y"/>) in squared distance, ties to the lowest index (device code, inlined).</summary>
    private static int Nearest(ArrayView<float> codebook, int neurons, float x, float y)
    {
        float best = float.PositiveInfinity;
        int bestJ = 0;
        for (int j = 0; j < neurons; j++)
        {
            float da = x - codebook[2 * j], db = y - codebook[2 * j + 1];
            float d = da * da + db * db;
            if (d < best)
            {
                best = d;
                bestJ = j;
            }
        }
        return bestJ;
    }
}
