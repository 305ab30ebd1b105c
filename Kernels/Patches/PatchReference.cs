namespace ColorKernels.Kernels.Patches;

/// <summary>Double-precision references for the patch side of the SOM + MLP method.</summary>
public static class PatchReference
{
    /// <summary>ExtractPatchesKernel for one centre pixel p of an H x W L plane: K x K samples D pixels apart, / 100, edges replicated.</summary>
    public static double[] Patch(IReadOnlyList<float> l, int height, int width, int p, int k, int dilation)
    {
        var patch = new double[k * k];
        int y = p / width, x = p % width;
        for (int dy = 0; dy < k; dy++)
            for (int dx = 0; dx < k; dx++)
            {
                int yy = Math.Clamp(y + (dy - k / 2) * dilation, 0, height - 1), xx = Math.Clamp(x + (dx - k / 2) * dilation, 0, width - 1);
                patch[dy * k + dx] = l[yy * width + xx] / 100.0;
            }
        return patch;
    }
}
