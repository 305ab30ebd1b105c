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

    /// <summary>
    /// ClassToAbKernel's decoding of one pixel: logits z [C] (one per class), codebook [C, 2]. Temperature
    /// above 0: sum_c softmax(z / T)_c codebook_c; otherwise the first arg-max class's codeword.
    /// </summary>
    public static (double A, double B) ClassToAb(IReadOnlyList<double> logits, IReadOnlyList<float> codebook, double temperature)
    {
        int best = 0;
        for (int c = 1; c < logits.Count; c++)
            if (logits[c] > logits[best])
                best = c;
        if (temperature <= 0)
            return (codebook[2 * best], codebook[2 * best + 1]);
        double sum = 0, a = 0, b = 0;
        for (int c = 0; c < logits.Count; c++)
        {
            double p = Math.Exp((logits[c] - logits[best]) / temperature);
            sum += p;
            a += p * codebook[2 * c];
            b += p * codebook[2 * c + 1];
        }
        return (a / sum, b / sum);
    }
}
