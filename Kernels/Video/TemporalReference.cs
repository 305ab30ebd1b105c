namespace ColorKernels.Kernels.Video;

/// <summary>Temporal stabilisation in double precision (the definition TemporalKernels follows).</summary>
public static class TemporalReference
{
    /// <summary>The stabilised frame and the new previous frame (both Lab [1, 3, H, W]) from a frame and the previous output.</summary>
    public static (double[] Frame, double[] Previous) StabilizeAb(float[] lab, float[] previous, double strength, double threshold, bool reset)
    {
        int n = lab.Length / 3;
        var frame = lab.Select(v => (double)v).ToArray();
        if (!reset)
            for (int p = 0; p < n; p++)
            {
                double keep = strength * Math.Max(0, 1 - Math.Abs(lab[p] - previous[p]) / threshold);
                frame[n + p] = (1 - keep) * lab[n + p] + keep * previous[n + p];
                frame[2 * n + p] = (1 - keep) * lab[2 * n + p] + keep * previous[2 * n + p];
            }
        return (frame, (double[])frame.Clone());
    }

    /// <summary>Lab [1, 3, H, W] with its ab blended toward <paramref name="given"/>'s (planes: weight, a, b) by strength x the weight clamped to [0, 1].</summary>
    public static double[] BlendAb(float[] lab, float[] given, double strength)
    {
        int n = lab.Length / 3;
        var frame = lab.Select(v => (double)v).ToArray();
        for (int p = 0; p < n; p++)
        {
            double keep = strength * Math.Clamp((double)given[p], 0, 1);
            frame[n + p] = (1 - keep) * lab[n + p] + keep * given[n + p];
            frame[2 * n + p] = (1 - keep) * lab[2 * n + p] + keep * given[2 * n + p];
        }
        return frame;
    }
}
