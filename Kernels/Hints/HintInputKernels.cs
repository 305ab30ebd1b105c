using ColorKernels.Kernels.Common;
using ILGPU;

namespace ColorKernels.Kernels.Hints;

/// <summary>
/// A batch of <see cref="N"/> network inputs of <see cref="Height"/> x <see cref="Width"/> and a table of
/// <see cref="Hints"/> hint rectangles over them, for <see cref="HintInputKernels"/>. The hint network reads
/// ab / <see cref="AbScale"/> and its mask minus <see cref="MaskCenter"/> (Zhang, Zhu et al. 2017: 110 and 0.5).
/// </summary>
public readonly struct HintInputArgs
{
    public HintInputArgs(int n, int height, int width, int hints, int runLength, float abScale, float maskCenter)
    {
        N = n;
        Height = height;
        Width = width;
        Hints = hints;
        RunLength = runLength;
        AbScale = abScale;
        MaskCenter = maskCenter;
    }

    public int N { get; }
    public int Height { get; }
    public int Width { get; }
    public int Hints { get; }
    public int RunLength { get; }
    public float AbScale { get; }
    public float MaskCenter { get; }

    public int Plane => Height * Width;
}

/// <summary>
/// The hint network's input (Zhang, Zhu et al., "Real-Time User-Guided Image Colorization with Learned Deep
/// Priors", SIGGRAPH 2017): besides L, two channels of hint ab (0 where there is none) and a mask channel.
/// A hint covers a rectangle: squares [Hints, 5] (int: image, x0, y0, width, height; it covers x0 .. x0 +
/// width - 1 and y0 .. y0 + height - 1, clipped to the picture) with its colour in colours [Hints, 2] (a, b).
/// In training the rectangles are squares and their colours the squares' mean true ab
/// (<see cref="HintPatchMeanKernel"/>, the paper's simulated hints); at colouring time they are a person's
/// hint squares mapped onto the network's input (rectangles when the picture is not square) with their colours.
/// </summary>
public static class HintInputKernels
{
    /// <summary>
    /// HintPatchMeanKernel: colours[h] = the mean a and b of lab [N, 3, H, W] over hint h's rectangle (clipped
    /// to the picture; an empty one gives 0). Thread: hints (a simulated hint is at most 9 pixels a side).
    /// </summary>
    public static void HintPatchMeanKernel(ArrayView<float> lab, ArrayView<int> squares, ArrayView<float> colours, HintInputArgs a)
    {
        int run = a.RunLength;
        for (int start = GridStride.First(run); start < a.Hints; start += GridStride.Step(run))
            for (int h = start, end = Math.Min(start + run, a.Hints); h < end; h++)
            {
                int n = squares[5 * h], x0 = Math.Max(0, squares[5 * h + 1]), y0 = Math.Max(0, squares[5 * h + 2]);
                int x1 = Math.Min(a.Width, squares[5 * h + 1] + squares[5 * h + 3]), y1 = Math.Min(a.Height, squares[5 * h + 2] + squares[5 * h + 4]);
                float sa = 0f, sb = 0f;
                int count = 0;
                int aBase = (n * 3 + 1) * a.Plane, bBase = aBase + a.Plane;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++)
                    {
                        sa += lab[aBase + y * a.Width + x];
                        sb += lab[bBase + y * a.Width + x];
                        count++;
                    }
                float inv = count > 0 ? 1f / count : 0f;
                colours[2 * h] = sa * inv;
                colours[2 * h + 1] = sb * inv;
            }
    }

    /// <summary>
    /// HintInputKernel: channels 1-3 of input [N, 4, H, W] (channel 0, the L, is the caller's): at each pixel
    /// under a hint's rectangle, ab / AbScale of the last such hint in the table and mask 1 - MaskCenter;
    /// elsewhere 0, 0 and -MaskCenter. The last hint wins where rectangles overlap, so the result does not depend on
    /// thread timing. Thread: pixels (each scans the table).
    /// </summary>
    public static void HintInputKernel(ArrayView<int> squares, ArrayView<float> colours, ArrayView<float> input, HintInputArgs a)
    {
        int total = a.N * a.Plane, run = a.RunLength;
        float inv = 1f / a.AbScale;
        for (int start = GridStride.First(run); start < total; start += GridStride.Step(run))
            for (int p = start, end = Math.Min(start + run, total); p < end; p++)
            {
                int n = p / a.Plane, within = p - n * a.Plane, y = within / a.Width, x = within - y * a.Width;
                int found = -1;
                for (int h = 0; h < a.Hints; h++)
                {
                    int x0 = squares[5 * h + 1], y0 = squares[5 * h + 2];
                    if (squares[5 * h] == n && x >= x0 && x < x0 + squares[5 * h + 3] && y >= y0 && y < y0 + squares[5 * h + 4])
                        found = h;
                }
                int o = n * 4 * a.Plane + within;
                input[o + a.Plane] = found >= 0 ? colours[2 * found] * inv : 0f;
                input[o + 2 * a.Plane] = found >= 0 ? colours[2 * found + 1] * inv : 0f;
                input[o + 3 * a.Plane] = (found >= 0 ? 1f : 0f) - a.MaskCenter;
            }
    }
}
