using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Video;

/// <summary>
/// Geometry and weights of temporal stabilisation: <see cref="Pixels"/> = H x W of one frame;
/// <see cref="Strength"/> in [0, 1): how much of the previous output's ab a pixel keeps where its L has not
/// changed; <see cref="Threshold"/>: the change of L (0-100 units) at which a pixel keeps nothing, so colours
/// are not dragged across moving edges; <see cref="Reset"/> 1: no blending (the first frame, a scene cut).
/// </summary>
public readonly struct TemporalArgs
{
    public TemporalArgs(int pixels, float strength, float threshold, bool reset, int runLength)
    {
        Pixels = pixels; Strength = strength; Threshold = threshold; Reset = reset ? 1 : 0; RunLength = runLength;
    }

    public int Pixels { get; }
    public float Strength { get; }
    public float Threshold { get; }
    public int Reset { get; }
    public int RunLength { get; }
}

/// <summary>
/// Geometry of <see cref="TemporalKernels.BlendAbKernel"/>: <see cref="Pixels"/> = H x W of one frame;
/// <see cref="Strength"/> in [0, 1]: the weight a given colour with weight 1 gets.
/// </summary>
public readonly struct BlendAbArgs
{
    public BlendAbArgs(int pixels, float strength, int runLength)
    {
        Pixels = pixels; Strength = strength; RunLength = runLength;
    }

    public int Pixels { get; }
    public float Strength { get; }
    public int RunLength { get; }
}

/// <summary>Temporal stabilisation of colourized video frames (Lab [1, 3, H, W]); element-wise, threads take runs of pixels.</summary>
public static class TemporalKernels
{
    /// <summary>
    /// StabilizeAbKernel: per pixel, keep = Strength max(0, 1 - |L - L_prev| / Threshold) (0 when Reset);
    /// ab = (1 - keep) ab + keep ab_prev, written into <paramref name="lab"/>; then the pixel's L and new ab
    /// become the previous frame's (<paramref name="previous"/>, same layout). An exponential moving average
    /// of ab where the scene is still, none where L moved. Thread: pixels.
    /// </summary>
    public static void StabilizeAbKernel(ArrayView<float> lab, ArrayView<float> previous, TemporalArgs t)
    {
        int total = t.Pixels, run = t.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                float l = lab[p], a = lab[total + p], b = lab[2 * total + p];
                if (t.Reset == 0)
                {
                    float keep = t.Strength * MathF.Max(0f, 1f - MathF.Abs(l - previous[p]) / t.Threshold);
                    a = (1f - keep) * a + keep * previous[total + p];
                    b = (1f - keep) * b + keep * previous[2 * total + p];
                    lab[total + p] = a;
                    lab[2 * total + p] = b;
                }
                previous[p] = l;
                previous[total + p] = a;
                previous[2 * total + p] = b;
            }
    }

    /// <summary>
    /// BlendAbKernel: per pixel, keep = Strength clamp(w, 0, 1), with w, a', b' the planes of <paramref name="given"/>
    /// [1, 3, H, W] (a weight, then colours: a film's colour frame carried back to an earlier frame); ab = (1 - keep)
    /// ab + keep (a', b'), written into <paramref name="lab"/> [1, 3, H, W]; L untouched. Thread: pixels.
    /// </summary>
    public static void BlendAbKernel(ArrayView<float> lab, ArrayView<float> given, BlendAbArgs t)
    {
        int total = t.Pixels, run = t.RunLength;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                float keep = t.Strength * MathF.Min(1f, MathF.Max(0f, given[p]));
                lab[total + p] = (1f - keep) * lab[total + p] + keep * given[total + p];
                lab[2 * total + p] = (1f - keep) * lab[2 * total + p] + keep * given[2 * total + p];
            }
    }
}
