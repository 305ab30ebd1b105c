namespace ColorKernels.Tests.Ops;

/// <summary>The op table's Patches cases (see <see cref="OpCases"/>).</summary>
internal static partial class OpCases
{
    // ---- Patches ----

    private static IEnumerable<OpCase> Patches()
    {
        // A 1 x 1 patch, then pictures of one pixel, a column, odd and non-square sizes, each with plain and
        // dilated windows larger than the picture (clamped at its edges).
        var shapes = new[] { (1, 1, 1, 1), (9, 11, 3, 1), (31, 33, 7, 1), (32, 32, 5, 4) }
            .Concat(from hw in new[] { (1, 1), (31, 1), (32, 33), (9, 17) }
                    from kd in new[] { (3, 1), (5, 1), (5, 4), (7, 3) }
                    select (hw.Item1, hw.Item2, kd.Item1, kd.Item2));
        foreach (var (h, w, k, dilation) in shapes)
        {
            int plane = h * w, n = Math.Min(plane, 40);
            yield return new OpCase("Patches.ExtractPatches", $"{h}x{w} k{k} d{dilation}", new Tolerance(1e-6, 0, "a copy of L times 0.01: float rounding only"), r =>
            {
                float[] lab = U(3 * plane, 0, 100, plane + k);
                int[] centres = Enumerable.Range(0, n).Select(i => i * 7919 % plane).ToArray();
                var tl = r.In("lab", Shape.Nchw(1, 3, h, w), lab);
                var tc = r.In("centres", new Shape(n), centres);
                var tp = r.Out("patches", new Shape(k * k, n));
                r.Launch = () => PatchOps.ExtractPatches(r.Device, tl.View, tc.View, tp.View, new PatchArgs(h, w, k, n, 0, 1, 0, dilation));
                var expected = new double[k * k * n];
                for (int i = 0; i < n; i++)
                {
                    double[] patch = PatchReference.Patch(lab, h, w, centres[i], k, dilation);
                    for (int f = 0; f < k * k; f++)
                        expected[f * n + i] = patch[f];
                }
                r.Check("patches", tp, expected);
            });
        }
    }
}
