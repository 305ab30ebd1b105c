using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Patches;

/// <summary>Patch geometry: K x K patches of one picture's L plane (H x W), for Count centre pixels.</summary>
public readonly struct PatchArgs
{
    public PatchArgs(int height, int width, int k, int count, int allPixels, int runLength, int first = 0, float temperature = 0f, int dilation = 1)
    {
        Height = height; Width = width; K = k; Count = count; AllPixels = allPixels; RunLength = runLength; First = first;
        Temperature = temperature; Dilation = dilation;
    }

    /// <summary>ExtractPatches' spacing of the patch's samples in pixels: 1 a plain K x K patch, D a coarse context patch over (K - 1) D + 1 pixels.</summary>
    public int Dilation { get; }

    /// <summary>ClassToAb's decoding: above 0 the annealed mean at this temperature; 0 (or below) the arg-max class.</summary>
    public float Temperature { get; }

    /// <summary>With AllPixels: the pixel index of centre 0 (a chunk of a picture starts there).</summary>
    public int First { get; }

    public int Height { get; }
    public int Width { get; }
    public int K { get; }
    public int Count { get; }

    /// <summary>1: the centres are pixels First..First+Count-1 in order; 0: read from the centres view.</summary>
    public int AllPixels { get; }
    public int RunLength { get; }
}

/// <summary>The patch side of the SOM + MLP method: patches in, class decisions out.</summary>
public static class PatchKernels
{
    /// <summary>
    /// ExtractPatchesKernel: patches[(dy K + dx), i] = L(y + D (dy - K/2), x + D (dx - K/2)) / 100 around centre i
    /// (pixel index y W + x), D the dilation (1: a plain patch; more: a coarse context patch), coordinates
    /// clamped to the picture (edge replicated). lab [1, 3, H, W]; centres [Count] (unused when AllPixels);
    /// patches [K K, Count], feature-major so that a dense layer is W x patches. Thread: centres.
    /// </summary>
    public static void ExtractPatchesKernel(ArrayView<float> lab, ArrayView<int> centres, ArrayView<float> patches, PatchArgs a)
    {
        int run = a.RunLength, half = a.K / 2;
        for (int start = GridStride.First(run); start < a.Count; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, a.Count); i < end; i++)
            {
                int p = a.AllPixels != 0 ? a.First + i : centres[i];
                int y = p / a.Width, x = p - y * a.Width;
                for (int dy = 0; dy < a.K; dy++)
                {
                    int yy = Math.Min(Math.Max(y + (dy - half) * a.Dilation, 0), a.Height - 1);
                    for (int dx = 0; dx < a.K; dx++)
                    {
                        int xx = Math.Min(Math.Max(x + (dx - half) * a.Dilation, 0), a.Width - 1);
                        patches[(dy * a.K + dx) * a.Count + i] = lab[yy * a.Width + xx] * 0.01f;
                    }
                }
            }
    }

    /// <summary>
    /// ClassToAbKernel: decodes the logits [C, Count] of the Count pixels from First on into ab, written into
    /// lab [1, 3, H, W] (L kept); codebook [C, 2]; K = C classes. Temperature T > 0: the annealed mean,
    /// sum_c softmax(z / T)_c codebook_c (T = 1 the expected codeword, small T toward the most likely one),
    /// computed from z - max(z) so no exp overflows. T &lt;= 0: the arg-max class's codeword (ties to the
    /// lowest class). Thread: pixels of the chunk.
    /// </summary>
    public static void ClassToAbKernel(ArrayView<float> logits, ArrayView<float> codebook, ArrayView<float> lab, PatchArgs a)
    {
        int run = a.RunLength, classes = a.K, count = a.Count, plane = a.Height * a.Width;
        for (int start = GridStride.First(run); start < count; start += GridStride.Step(run))
            for (int i = start, end = Math.Min(start + run, count); i < end; i++)
            {
                float best = logits[i];
                int bestC = 0;
                for (int c = 1; c < classes; c++)
                    if (logits[c * count + i] > best)
                    {
                        best = logits[c * count + i];
                        bestC = c;
                    }
                float outA = codebook[2 * bestC], outB = codebook[2 * bestC + 1];
                if (a.Temperature > 0f)
                {
                    float inverse = 1f / a.Temperature, sum = 0f, sumA = 0f, sumB = 0f;
                    for (int c = 0; c < classes; c++)
                    {
                        float p = MathF.Exp((logits[c * count + i] - best) * inverse);
                        sum += p;
                        sumA += p * codebook[2 * c];
                        sumB += p * codebook[2 * c + 1];
                    }
                    outA = sumA / sum;
                    outB = sumB / sum;
                }
                lab[plane + a.First + i] = outA;
                lab[2 * plane + a.First + i] = outB;
            }
    }
}
