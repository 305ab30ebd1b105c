namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Resample cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Resample ----

    private static IEnumerable<OpCase> Resample()
    {
        // (N, source channels, offset, channels, H, W, destination channels, offset, OutH, OutW): up, down, odd, into a channel range.
        var cases = new (int N, int SrcC, int SrcOff, int C, int H, int W, int DstC, int DstOff, int OH, int OW)[]
        {
            (1, 1, 0, 1, 1, 1, 1, 0, 3, 5), (2, 3, 1, 2, 31, 33, 3, 0, 32, 32), (1, 3, 0, 3, 64, 48, 4, 1, 17, 5), (3, 2, 0, 1, 7, 9, 2, 1, 28, 36),
            // Whole tensors: x4 as ECCV16 upsamples, 1 x 1 sources, a downscale, the same size, odd ratios, to 1 x 1.
            (1, 2, 0, 2, 8, 8, 2, 0, 32, 32), (2, 2, 0, 2, 1, 1, 2, 0, 4, 4), (1, 1, 0, 1, 33, 31, 1, 0, 8, 8), (1, 3, 0, 3, 31, 33, 3, 0, 31, 33),
            (1, 2, 0, 2, 5, 7, 2, 0, 17, 3), (1, 1, 0, 1, 64, 64, 1, 0, 1, 1), (1, 2, 0, 2, 16, 9, 2, 0, 64, 36),
        };
        foreach (var a in cases)
        {
            yield return new OpCase("Resample.ResizeBilinear", $"{Dims(a.N, a.SrcC, a.H, a.W)}[{a.SrcOff}..+{a.C}] -> {Dims(a.N, a.DstC, a.OH, a.OW)}[{a.DstOff}..]",
                new Tolerance(1e-5, 1e-6, "two lerps in float32 on values in [-1, 1], scaled by 2 and shifted"), r =>
            {
                float[] x = U(a.N * a.SrcC * a.H * a.W, -1, 1, a.H + a.W);
                float[] before = U(a.N * a.DstC * a.OH * a.OW, -1, 1, a.OH);
                var tx = r.In("x", Shape.Nchw(a.N, a.SrcC, a.H, a.W), x);
                var ty = r.In("y", Shape.Nchw(a.N, a.DstC, a.OH, a.OW), before);
                r.Launch = () => ResampleOps.ResizeBilinear(tx, a.SrcOff, a.C, ty, a.DstOff, 2f, 0.5f);
                var args = new ResizeArgs(a.N, a.C, a.SrcC, a.SrcOff, a.H, a.W, a.DstC, a.DstOff, a.OH, a.OW, 2f, 0.5f, 1);
                r.Check("y", ty, ResampleReference.ResizeBilinear(x, D(before), args));
            });
        }
    }
}
