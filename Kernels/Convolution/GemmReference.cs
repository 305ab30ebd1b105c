namespace ColorKernels.Kernels.Convolution;

/// <summary>The GEMM and the transpose in double precision (the definitions GemmKernels and TransposeKernel follow).</summary>
public static class GemmReference
{
    /// <summary>c with C = (Accumulate ? C : 0) + A B, + row bias, epilogue (1 ReLU, 2 ReLU then scale/shift), at the offsets of <paramref name="g"/>.</summary>
    public static double[] Gemm(float[] a, float[] b, float[] c, float[] bias, float[] scale, float[] shift, GemmArgs g)
    {
        var result = c.Select(v => (double)v).ToArray();
        for (int i = 0; i < g.M; i++)
            for (int j = 0; j < g.N; j++)
            {
                double sum = g.Accumulate != 0 ? c[g.COffset + i * g.N + j] : 0;
                for (int p = 0; p < g.K; p++)
                    sum += (double)a[g.AOffset + i * g.K + p] * b[g.BOffset + p * g.N + j];
                if (g.RowBias != 0)
                    sum += bias[i];
                if (g.Epilogue != ConvEpilogue.None)
                    sum = Math.Max(sum, 0);
                if (g.Epilogue == ConvEpilogue.ReluAffine)
                    sum = sum * scale[i] + shift[i];
                result[g.COffset + i * g.N + j] = sum;
            }
        return result;
    }

    /// <summary>destination[c, r] = source[r, c] over the first rows x cols elements; the rest of destination as it was.</summary>
    public static double[] Transpose(float[] source, float[] destination, int rows, int cols)
    {
        var result = destination.Select(v => (double)v).ToArray();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[c * rows + r] = source[r * cols + c];
        return result;
    }
}
