using ColorKernels.Kernels.Resample;

namespace ColorKernels.Kernels.Common;

/// <summary>Naive double-precision references for batch norm, ReLU, softmax, annealed mean and bilinear resizing.</summary>
public static class NnReference
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

    public static double[] Relu(float[] x) => x.Select(v => Math.Max((double)v, 0)).ToArray();

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

    /// <summary>Bilinear resize, align_corners = False, in double precision; destination elements outside the written channels keep <paramref name="destination"/>'s values.</summary>
    public static double[] ResizeBilinear(float[] source, double[] destination, ResizeArgs a)
    {
        var dst = (double[])destination.Clone();
        double ry = (double)a.InH / a.OutH, rx = (double)a.InW / a.OutW;
        for (int n = 0; n < a.N; n++)
            for (int c = 0; c < a.Channels; c++)
                for (int y = 0; y < a.OutH; y++)
                    for (int x = 0; x < a.OutW; x++)
                    {
                        double sy = Math.Max((y + 0.5) * ry - 0.5, 0), sx = Math.Max((x + 0.5) * rx - 0.5, 0);
                        int y0 = (int)Math.Floor(sy), x0 = (int)Math.Floor(sx);
                        int y1 = Math.Min(y0 + 1, a.InH - 1), x1 = Math.Min(x0 + 1, a.InW - 1);
                        double ly = sy - y0, lx = sx - x0;
                        int src = (n * a.SrcC + a.SrcOffset + c) * a.InH * a.InW;
                        double v = (source[src + y0 * a.InW + x0] * (1 - lx) + source[src + y0 * a.InW + x1] * lx) * (1 - ly)
                                 + (source[src + y1 * a.InW + x0] * (1 - lx) + source[src + y1 * a.InW + x1] * lx) * ly;
                        dst[((n * a.DstC + a.DstOffset + c) * a.OutH + y) * a.OutW + x] = v * a.Scale + a.Shift;
                    }
        return dst;
    }
}
