namespace ColorKernels.Kernels.Softmax;

/// <summary>Channel softmax at a temperature and the annealed mean, naive and in double precision.</summary>
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

    /// <summary>Annealed mean as softmax followed by the expectation: the unfused definition.</summary>
    public static double[] AnnealedMean(float[] logits, float[] decode, int n, int q, int plane, double temperature)
    {
        double[] p = Softmax(logits, n, q, plane, temperature);
        var ab = new double[n * 2 * plane];
        for (int b = 0; b < n; b++)
            for (int s = 0; s < plane; s++)
                for (int c = 0; c < 2; c++)
                {
                    double sum = 0;
                    for (int k = 0; k < q; k++)
                        sum += p[(b * q + k) * plane + s] * decode[c * q + k];
                    ab[(b * 2 + c) * plane + s] = sum;
                }
        return ab;
    }
}
