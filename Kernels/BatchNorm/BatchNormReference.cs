namespace ColorKernels.Kernels.BatchNorm;

/// <summary>Batch norm in double precision: the definitions the kernels are tested against.</summary>
public static class BatchNormReference
{
    public static double[] BatchNorm(float[] x, float[] mean, float[] variance, float[]? gamma, float[]? beta, int n, int c, int plane, double eps)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int ch = i / plane % c;
            double v = (x[i] - mean[ch]) / Math.Sqrt(variance[ch] + eps);
            y[i] = gamma is null ? v : v * gamma[ch] + beta![ch];
        }
        return y;
    }
}
