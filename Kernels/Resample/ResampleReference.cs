namespace ColorKernels.Kernels.Resample;

/// <summary>Bilinear resizing (align_corners = False) in double precision.</summary>
public static class ResampleReference
{
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
