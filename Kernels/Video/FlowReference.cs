namespace ColorKernels.Kernels.Video;

/// <summary>Optical flow, warping and stabilisation along the flow in double precision (the definitions FlowKernels follows).</summary>
public static class FlowReference
{
    /// <summary>Bilinear sample of plane <paramref name="c"/> of [.., h, w] at (x, y), coordinates clamped.</summary>
    public static double Sample(float[] planes, int c, int w, int h, double x, double y)
    {
        x = Math.Min(Math.Max(x, 0), w - 1);
        y = Math.Min(Math.Max(y, 0), h - 1);
        int x0 = (int)x, y0 = (int)y;
        int x1 = x0 < w - 1 ? x0 + 1 : x0, y1 = y0 < h - 1 ? y0 + 1 : y0;
        double lx = x - x0, ly = y - y0;
        long o = (long)c * w * h;
        double top = planes[o + y0 * w + x0] * (1 - lx) + planes[o + y0 * w + x1] * lx;
        double bottom = planes[o + y1 * w + x0] * (1 - lx) + planes[o + y1 * w + x1] * lx;
        return top * (1 - ly) + bottom * ly;
    }

    private static double GradientX(float[] plane, int w, int x, int y)
    {
        int left = x > 0 ? x - 1 : x, right = x < w - 1 ? x + 1 : x;
        return right == left ? 0 : ((double)plane[y * w + right] - plane[y * w + left]) / (right - left);
    }

    private static double GradientY(float[] plane, int w, int h, int x, int y)
    {
        int up = y > 0 ? y - 1 : y, down = y < h - 1 ? y + 1 : y;
        return down == up ? 0 : ((double)plane[down * w + x] - plane[up * w + x]) / (down - up);
    }

    /// <summary>The 2 x 2 block means (OutW = max(1, w / 2)).</summary>
    public static double[] Halve(float[] plane, int w, int h)
    {
        int ow = Math.Max(1, w / 2), oh = Math.Max(1, h / 2);
        var result = new double[ow * oh];
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                int x0 = Math.Min(2 * x, w - 1), y0 = Math.Min(2 * y, h - 1), x1 = Math.Min(2 * x + 1, w - 1), y1 = Math.Min(2 * y + 1, h - 1);
                result[y * ow + x] = 0.25 * ((double)plane[y0 * w + x0] + plane[y0 * w + x1] + plane[y1 * w + x0] + plane[y1 * w + x1]);
            }
        return result;
    }

    /// <summary>Window sums of gx^2, gx gy, gy^2 [3, h, w].</summary>
    public static double[] StructureTensor(float[] first, int w, int h, int radius)
    {
        int n = w * h;
        var result = new double[3 * n];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int j = Math.Max(0, y - radius); j <= Math.Min(h - 1, y + radius); j++)
                    for (int i = Math.Max(0, x - radius); i <= Math.Min(w - 1, x + radius); i++)
                    {
                        double gx = GradientX(first, w, i, j), gy = GradientY(first, w, h, i, j);
                        result[y * w + x] += gx * gx;
                        result[n + y * w + x] += gx * gy;
                        result[2 * n + y * w + x] += gy * gy;
                    }
        return result;
    }

    /// <summary>gx r and gy r [2, h, w], r = I1(x + f) - I0(x).</summary>
    public static double[] Residual(float[] first, float[] second, float[] flow, int w, int h)
    {
        int n = w * h;
        var result = new double[2 * n];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                double r = Sample(second, 0, w, h, x + (double)flow[p], y + (double)flow[n + p]) - first[p];
                result[p] = GradientX(first, w, x, y) * r;
                result[n + p] = GradientY(first, w, h, x, y) * r;
            }
        return result;
    }

    /// <summary>The flow after one damped Lucas-Kanade step [2, h, w].</summary>
    public static double[] Update(float[] tensor, float[] products, float[] flow, int w, int h, int radius, double damping)
    {
        int n = w * h;
        var result = flow.Select(v => (double)v).ToArray();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                double bx = 0, by = 0;
                for (int j = Math.Max(0, y - radius); j <= Math.Min(h - 1, y + radius); j++)
                    for (int i = Math.Max(0, x - radius); i <= Math.Min(w - 1, x + radius); i++)
                    {
                        bx += products[j * w + i];
                        by += products[n + j * w + i];
                    }
                double gxx = tensor[p] + damping, gxy = tensor[n + p], gyy = tensor[2 * n + p] + damping;
                double det = gxx * gyy - gxy * gxy;
                if (det > 0)
                {
                    double du = -(gyy * bx - gxy * by) / det, dv = -(gxx * by - gxy * bx) / det, length = Math.Sqrt(du * du + dv * dv);
                    double shrink = length > 1 ? 1 / length : 1;
                    result[p] += du * shrink;
                    result[n + p] += dv * shrink;
                }
            }
        return result;
    }

    /// <summary>Each flow plane [2, h, w] by the median of its 3 x 3 neighbourhood, border pixels repeated.</summary>
    public static double[] MedianFlow(float[] flow, int w, int h)
    {
        int n = w * h;
        var result = new double[2 * n];
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var values = new List<double>();
                    for (int j = -1; j <= 1; j++)
                        for (int i = -1; i <= 1; i++)
                            values.Add(flow[c * n + Math.Clamp(y + j, 0, h - 1) * w + Math.Clamp(x + i, 0, w - 1)]);
                    values.Sort();
                    result[c * n + y * w + x] = values[4];
                }
        return result;
    }

    /// <summary>
    /// One pyramid level's solve [2, h, w] (FlowKernels.FlowLevelKernel, FlowOps.Level): the coarser flow resampled (zero
    /// when <paramref name="coarse"/> is null), then <paramref name="iterations"/> times residual, update and median,
    /// each step in double from its input rounded to float32 as the kernels store it between steps.
    /// </summary>
    public static double[] Level(float[] first, float[] second, float[]? coarse, int cw, int ch, int w, int h, int radius, double damping, int iterations)
    {
        static float[] Stored(double[] v) => v.Select(x => (float)x).ToArray();
        float[] flow = coarse is null ? new float[2 * w * h] : Stored(UpsampleFlow(coarse, cw, ch, w, h));
        float[] tensor = Stored(StructureTensor(first, w, h, radius));
        double[] result = flow.Select(v => (double)v).ToArray();
        for (int i = 0; i < iterations; i++)
        {
            float[] products = Stored(Residual(first, second, flow, w, h));
            flow = Stored(Update(tensor, products, flow, w, h, radius, damping));
            result = MedianFlow(flow, w, h);
            flow = Stored(result);
        }
        return result;
    }

    /// <summary>A coarser level's flow [2, ih, iw] at a finer level's size [2, oh, ow], in the finer level's pixels.</summary>
    public static double[] UpsampleFlow(float[] coarse, int iw, int ih, int ow, int oh)
    {
        int n = ow * oh;
        var result = new double[2 * n];
        double rx = (double)iw / ow, ry = (double)ih / oh;
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                double sx = (x + 0.5) * rx - 0.5, sy = (y + 0.5) * ry - 0.5;
                result[y * ow + x] = Sample(coarse, 0, iw, ih, sx, sy) / rx;
                result[n + y * ow + x] = Sample(coarse, 1, iw, ih, sx, sy) / ry;
            }
        return result;
    }

    /// <summary>src warped along the flow, plus the inside mask [channels + 1, h, w].</summary>
    public static double[] Warp(float[] source, float[] flow, int w, int h, int channels)
    {
        int n = w * h;
        var result = new double[(channels + 1) * n];
        for (int p = 0; p < n; p++)
        {
            double sx = p % w + (double)flow[p], sy = p / w + (double)flow[n + p];
            for (int c = 0; c < channels; c++)
                result[c * n + p] = Sample(source, c, w, h, sx, sy);
            result[channels * n + p] = sx >= 0 && sy >= 0 && sx <= w - 1 && sy <= h - 1 ? 1 : 0;
        }
        return result;
    }

    /// <summary>The stabilised frame and the next frame's previous (both Lab [3, h, w]), as StabilizeAlongFlowKernel.</summary>
    public static (double[] Frame, double[] Next) StabilizeAlongFlow(float[] lab, float[] comparison, float[] previous, float[] flow, int w, int h, int fw, int fh,
        double strength, double threshold, bool reset, double gain = 1, double offset = 0, double tolerance = 0, double stillMargin = 0)
    {
        int n = w * h;
        var frame = lab.Select(v => (double)v).ToArray();
        double L(int p) => comparison[p];
        double rx = (double)fw / w, ry = (double)fh / h;
        if (!reset)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int p = y * w + x;
                    double fx = (x + 0.5) * rx - 0.5, fy = (y + 0.5) * ry - 0.5;
                    double sx = x + Sample(flow, 0, fw, fh, fx, fy) / rx, sy = y + Sample(flow, 1, fw, fh, fx, fy) / ry;
                    double lp = gain * previous[p] + offset, ap = previous[n + p], bp = previous[2 * n + p], difference = Math.Abs(L(p) - lp);
                    double moved = gain * Sample(previous, 0, w, h, sx, sy) + offset;
                    if (sx >= 0 && sy >= 0 && sx <= w - 1 && sy <= h - 1 && Math.Abs(L(p) - moved) < difference + stillMargin)
                    {
                        difference = Math.Abs(L(p) - moved);
                        ap = Sample(previous, 1, w, h, sx, sy);
                        bp = Sample(previous, 2, w, h, sx, sy);
                    }
                    double keep = strength * Math.Max(0, 1 - Math.Max(0, difference - tolerance) / threshold);
                    frame[n + p] = (1 - keep) * lab[n + p] + keep * ap;
                    frame[2 * n + p] = (1 - keep) * lab[2 * n + p] + keep * bp;
                }
        var next = (double[])frame.Clone();
        for (int p = 0; p < n; p++)
            next[p] = comparison[p];
        return (frame, next);
    }

    /// <summary>ToneKernel in double: gain times the mean over each pixel's (2 radius + 1)^2 window (clipped) of the first w x h plane, plus offset.</summary>
    public static double[] Tone(float[] source, int w, int h, int radius, double gain, double offset)
    {
        var result = new double[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                int count = 0;
                for (int yy = Math.Max(0, y - radius); yy <= Math.Min(h - 1, y + radius); yy++)
                    for (int xx = Math.Max(0, x - radius); xx <= Math.Min(w - 1, x + radius); xx++)
                    {
                        sum += source[yy * w + xx];
                        count++;
                    }
                result[y * w + x] = gain * sum / count + offset;
            }
        return result;
    }
}
