using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Patches;

/// <summary>Patch geometry: K x K patches of one picture's L plane (H x W), for Count centre pixels.</summary>
public readonly struct PatchArgs
{
    public PatchArgs(int height, int width, int k, int count, int allPixels, int runLength, int first = 0, int dilation = 1)
    {
        Height = height; Width = width; K = k; Count = count; AllPixels = allPixels; RunLength = runLength; First = first;
        Dilation = dilation;
    }

    /// <summary>ExtractPatches' spacing of the patch's samples in pixels: 1 a plain K x K patch, D a coarse context patch over (K - 1) D + 1 pixels.</summary>
    public int Dilation { get; }

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

/// <summary>The patch side of the SOM + MLP method: L patches in (the MLP's classes are decoded by SoftmaxKernels.PaletteDecodeKernel).</summary>
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
}
