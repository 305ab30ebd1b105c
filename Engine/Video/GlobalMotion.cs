namespace ColorKernels.Engine.Video;

/// <summary>
/// A frame's motion as one affine map, fitted to its dense backward flow (u, v at the flow's resolution, frame t's
/// pixel to its place in frame t-1): u(x, y) = A0 + A1 x + A2 y, v(x, y) = B0 + B1 x + B2 y. A camera's pan and zoom and
/// the gate's weave are each such a map; a moving object, a minority of the frame, is an outlier to it.
///
/// Fitted by least squares over every second pixel of every second row (3 pixels in from the edge), each weighted by
/// its texture (the smaller eigenvalue of the 5 x 5 structure tensor of frame t's L, where Lucas-Kanade's flow is
/// trustworthy) and reweighted six times by Tukey's biweight of its residual (cut at 4.685 x 1.4826 x the median
/// residual, at least 0.05 pixels). Host code: a 720p film's flow is 160 x 90, 3,600 samples; a 256-wide one 12,000.
/// Fitted by <see cref="OpticalFlow"/> on grainy frames, where the dense flow on flat places is noise
/// (<see cref="FlowSettings.FrameMotionOnGrain"/>), and read by <see cref="KeyframeCarrier"/>.
/// </summary>
internal readonly record struct GlobalMotion(double A0, double A1, double A2, double B0, double B1, double B2)
{
    private const int Step = 2, Border = 3, Rounds = 6;

    /// <summary>Frame t-1's place (x, y) (flow resolution) in frame t: the x_t with x_t + (u, v)(x_t) = (x, y).</summary>
    public (double X, double Y) Forward(double x, double y)
    {
        // (I + J) x_t = (x - A0, y - B0), J = [[A1, A2], [B1, B2]].
        double m00 = 1 + A1, m01 = A2, m10 = B1, m11 = 1 + B2;
        double det = m00 * m11 - m01 * m10, rx = x - A0, ry = y - B0;
        return ((m11 * rx - m01 * ry) / det, (m00 * ry - m10 * rx) / det);
    }

    /// <summary>The map fitted to <paramref name="u"/>, <paramref name="v"/> (w x h) over frame t's L <paramref name="grey"/>, or null where the samples do not fix one (a flat or tiny frame).</summary>
    public static GlobalMotion? Fit(float[] u, float[] v, float[] grey, int w, int h)
    {
        var samples = new List<(int X, int Y, double U, double V, double Texture)>();
        for (int y = Border; y < h - Border; y += Step)
            for (int x = Border; x < w - Border; x += Step)
                samples.Add((x, y, u[y * w + x], v[y * w + x], Texture(grey, w, x, y)));
        if (samples.Count < 12)
            return null;
        var weights = samples.Select(p => p.Texture).ToArray();
        var residuals = new double[samples.Count];
        GlobalMotion? fit = null;
        for (int round = 0; round < Rounds; round++)
        {
            if (Solve(samples, weights) is not { } m)
                return fit;
            fit = m;
            for (int i = 0; i < samples.Count; i++)
            {
                var (x, y, fu, fv, _) = samples[i];
                double du = fu - (m.A0 + m.A1 * x + m.A2 * y), dv = fv - (m.B0 + m.B1 * x + m.B2 * y);
                residuals[i] = Math.Sqrt(du * du + dv * dv);
            }
            double[] sorted = (double[])residuals.Clone();
            Array.Sort(sorted);
            double cut = Math.Max(4.685 * 1.4826 * sorted[sorted.Length / 2], 0.05);
            for (int i = 0; i < samples.Count; i++)
            {
                double r = residuals[i] / cut;
                weights[i] = r >= 1 ? 0 : samples[i].Texture * (1 - r * r) * (1 - r * r);
            }
        }
        return fit;
    }

    /// <summary>The smaller eigenvalue of the structure tensor (central differences) over the 5 x 5 window at (x, y), in L units squared.</summary>
    private static double Texture(float[] grey, int w, int x, int y)
    {
        double a = 0, b = 0, c = 0;
        for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++)
            {
                int q = (y + dy) * w + x + dx;
                double gx = (grey[q + 1] - grey[q - 1]) / 2, gy = (grey[q + w] - grey[q - w]) / 2;
                a += gx * gx;
                b += gx * gy;
                c += gy * gy;
            }
        return (a + c - Math.Sqrt((a - c) * (a - c) + 4 * b * b)) / 2;
    }

    /// <summary>Weighted least squares of [1 x y] against u and against v (one normal matrix for both), by Cramer's rule.</summary>
    private static GlobalMotion? Solve(List<(int X, int Y, double U, double V, double Texture)> samples, double[] weights)
    {
        double s = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, su = 0, sxu = 0, syu = 0, sv = 0, sxv = 0, syv = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            double wt = weights[i];
            if (wt == 0)
                continue;
            var (x, y, fu, fv, _) = samples[i];
            s += wt;
            sx += wt * x;
            sy += wt * y;
            sxx += wt * x * x;
            sxy += wt * x * y;
            syy += wt * y * y;
            su += wt * fu;
            sxu += wt * x * fu;
            syu += wt * y * fu;
            sv += wt * fv;
            sxv += wt * x * fv;
            syv += wt * y * fv;
        }
        double det = Det(s, sx, sy, sx, sxx, sxy, sy, sxy, syy);
        // Relative to the matrix's scale: a fit whose samples lie on a line (or one point) fixes no affine map.
        if (!(Math.Abs(det) > 1e-12 * s * sxx * syy) || !double.IsFinite(det))
            return null;
        double Column(int col, double r0, double r1, double r2) => col switch
        {
            0 => Det(r0, sx, sy, r1, sxx, sxy, r2, sxy, syy),
            1 => Det(s, r0, sy, sx, r1, sxy, sy, r2, syy),
            _ => Det(s, sx, r0, sx, sxx, r1, sy, sxy, r2),
        } / det;
        return new GlobalMotion(Column(0, su, sxu, syu), Column(1, su, sxu, syu), Column(2, su, sxu, syu),
            Column(0, sv, sxv, syv), Column(1, sv, sxv, syv), Column(2, sv, sxv, syv));
    }

    private static double Det(double a, double b, double c, double d, double e, double f, double g, double h, double i) =>
        a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}
