namespace ColorKernels.Kernels.Softmax;

/// <summary>Channel softmax at a temperature and the palette decode, naive and in double precision.</summary>
public static class SoftmaxReference
{
    public static double[] Softmax(float[] logits, int n, int c, int plane, double temperature)
    {
        var p = new double[logits.Length];
        for (int b = 0; b < n; b++)
            for (int s = 0; s < plane; s++)
            {
                double max = double.NegativeInfinity;
                for (int q = 0; q < c; q++)
                    max = Math.Max(max, logits[(b * c + q) * plane + s] / temperature);
                double sum = 0;
                for (int q = 0; q < c; q++)
                    sum += Math.Exp(logits[(b * c + q) * plane + s] / temperature - max);
                for (int q = 0; q < c; q++)
                    p[(b * c + q) * plane + s] = Math.Exp(logits[(b * c + q) * plane + s] / temperature - max) / sum;
            }
        return p;
    }

    /// <summary>
    /// PaletteDecodeKernel's definition, unfused: p = softmax(z); with <paramref name="weight"/>, the palette's
    /// re-weighting p'_q = p_q weight_q / sum (weight_q = (h_q + eps)^alpha), else p' = p; then the annealed
    /// mean of p' (Zhang et al. 2016, eq. 5: exp(ln p' / T) normalised) and its expected palette colour; T = 0
    /// the first arg-max of p'. logits [n, q, plane], palette [q, 2]; returns ab [n, 2, plane].
    /// </summary>
    public static double[] PaletteDecode(float[] logits, float[] palette, int n, int q, int plane, double temperature, double[]? weight = null)
    {
        var ab = new double[n * 2 * plane];
        double[] p = Softmax(logits, n, q, plane, 1.0);
        var annealed = new double[q];
        for (int b = 0; b < n; b++)
            for (int s = 0; s < plane; s++)
            {
                double total = 0;
                for (int k = 0; k < q; k++)
                    total += annealed[k] = p[(b * q + k) * plane + s] * (weight?[k] ?? 1.0);
                int best = 0;
                for (int k = 1; k < q; k++)
                    if (annealed[k] > annealed[best])
                        best = k;
                if (temperature > 0)
                {
                    // exp(ln(p'_k) / T), scaled by the largest so that no power underflows for small T.
                    double sum = 0, top = Math.Log(annealed[best] / total);
                    for (int k = 0; k < q; k++)
                        sum += annealed[k] = Math.Exp((Math.Log(annealed[k] / total) - top) / temperature);
                    for (int k = 0; k < q; k++)
                        annealed[k] /= sum;
                }
                for (int c = 0; c < 2; c++)
                {
                    double sum = 0;
                    if (temperature > 0)
                        for (int k = 0; k < q; k++)
                            sum += annealed[k] * palette[2 * k + c];
                    else
                        sum = palette[2 * best + c];
                    ab[(b * 2 + c) * plane + s] = sum;
                }
            }
        return ab;
    }
}
