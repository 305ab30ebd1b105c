namespace ColorKernels.Kernels.Hints;

/// <summary>The hint network's input channels in double precision (see <see cref="HintInputKernels"/>).</summary>
public static class HintInputReference
{
    /// <summary>Each rectangle's (squares [Hints, 5]: image, x0, y0, width, height) mean a and b of lab [N, 3, H, W], clipped to the picture: [Hints, 2].</summary>
    public static double[] PatchMean(float[] lab, int[] squares, int height, int width)
    {
        int hints = squares.Length / 5, plane = height * width;
        var colours = new double[2 * hints];
        for (int h = 0; h < hints; h++)
        {
            int n = squares[5 * h];
            double sa = 0, sb = 0;
            int count = 0;
            for (int y = Math.Max(0, squares[5 * h + 2]); y < Math.Min(height, squares[5 * h + 2] + squares[5 * h + 4]); y++)
                for (int x = Math.Max(0, squares[5 * h + 1]); x < Math.Min(width, squares[5 * h + 1] + squares[5 * h + 3]); x++)
                {
                    sa += lab[(n * 3 + 1) * plane + y * width + x];
                    sb += lab[(n * 3 + 2) * plane + y * width + x];
                    count++;
                }
            colours[2 * h] = count > 0 ? sa / count : 0;
            colours[2 * h + 1] = count > 0 ? sb / count : 0;
        }
        return colours;
    }

    /// <summary>
    /// Channels 1-3 of input [N, 4, H, W] written by painting the rectangles in table order (a later one over an
    /// earlier one), channel 0 taken from <paramref name="l"/> as it was: the definition the kernel's per-pixel
    /// scan must match.
    /// </summary>
    public static double[] Input(float[] l, int[] squares, float[] colours, int n, int height, int width, double abScale, double maskCenter)
    {
        int plane = height * width;
        var input = new double[n * 4 * plane];
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
            {
                input[b * 4 * plane + p] = l[b * 4 * plane + p];
                input[(b * 4 + 3) * plane + p] = -maskCenter;
            }
        for (int h = 0; h < squares.Length / 5; h++)
        {
            int b = squares[5 * h];
            for (int y = Math.Max(0, squares[5 * h + 2]); y < Math.Min(height, squares[5 * h + 2] + squares[5 * h + 4]); y++)
                for (int x = Math.Max(0, squares[5 * h + 1]); x < Math.Min(width, squares[5 * h + 1] + squares[5 * h + 3]); x++)
                {
                    int o = b * 4 * plane + y * width + x;
                    input[o + plane] = colours[2 * h] / abScale;
                    input[o + 2 * plane] = colours[2 * h + 1] / abScale;
                    input[o + 3 * plane] = 1 - maskCenter;
                }
        }
        return input;
    }
}
