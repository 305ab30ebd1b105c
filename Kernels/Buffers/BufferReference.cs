namespace ColorKernels.Kernels.Buffers;

/// <summary>The whole-buffer ops in double precision.</summary>
public static class BufferReference
{
    public static double SumOfSquares(IEnumerable<float> x) => x.Sum(v => (double)v * v);

    /// <summary>destination + source, element-wise.</summary>
    public static double[] Accumulate(float[] source, float[] destination) =>
        destination.Select((v, i) => (double)v + source[i]).ToArray();

    /// <summary>What a PeakFlopsKernel thread writes: eight chains of x = 0.999 x + 0.001 from t 1e-7 + c / 10, summed.</summary>
    public static double PeakFlopsSlot(int thread, int iterations)
    {
        double sum = 0;
        for (int c = 0; c < 8; c++)
        {
            double v = (double)(thread * 1e-7f) + c / 10.0;
            for (int i = 0; i < iterations; i++)
                v = v * 0.999 + 0.001;
            sum += v;
        }
        return sum;
    }
}
