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
    /// PaletteDecodeKernel's definition, unfused: softmax(z / T) then the expected palette colour; T = 0 the
    /// first arg-max's colour. logits [n, q, plane], palette [q, 2]; returns ab [n, 2, plane].
    /// </summary>
    public static double[] PaletteDecode(float[] logits, float[] palette, int n, int q, int plane, double temperature)
    {
        var ab = new double[n * 2 * plane];
        double[]? p = temperature > 0 ? Softmax(logits, n, q, plane, temperature) : null;
        for (int b = 0; b < n; b++)
            for (int s = 0; s < plane; s++)
            {
                int best = 0;
                for (int k = 1; k < q; k++)
                    if (logits[(b * q + k) * plane + s] > logits[(b * q + best) * plane + s])
                        best = k;
                for (int c = 0; c < 2; c++)
                {
                    double sum = 0;
                    if (p is null)
                        sum = palette[2 * best + c];
                    else
                        for (int k = 0; k < q; k++)
                            sum += p[(b * q + k) * plane + s] * palette[2 * k + c];
                    ab[(b * 2 + c) * plane + s] = sum;
                }
            }
        return ab;
    }
}
